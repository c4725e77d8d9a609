# Sinergi's processes (migrate, worker, api) for docker-compose.yml; the command picks one.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . .
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app sinergi \
    && install -d -o sinergi -g sinergi /var/lib/sinergi

USER sinergi
EXPOSE 8000
CMD ["python", "-m", "api.main"]
