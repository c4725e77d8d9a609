# Sinergi's processes (migrate, worker, api) for docker-compose.yml; the command picks one.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY . .
# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE nothing is written at run time, and
# the workflow sandbox imports each workflow's module afresh for every workflow it runs
# (issue 18: a compile of that module per case otherwise).
RUN pip install . \
    && python -m compileall -q /app \
    && useradd --system --uid 10001 --home-dir /app sinergi \
    && install -d -o sinergi -g sinergi /var/lib/sinergi

USER sinergi
EXPOSE 8000
CMD ["python", "-m", "api.main"]
