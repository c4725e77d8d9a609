#!/usr/bin/env bash
# Validate docker-compose.yml offline with Debian's docker-compose (1.29); Docker itself is
# not needed. Not PyPI's docker-compose: Debian's package is the one CI installs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "check-compose: installing Debian's docker-compose" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
    else
        echo "check-compose: docker-compose is not installed." >&2
        echo "  Install Debian's package: sudo apt-get install docker-compose" >&2
        exit 1
    fi
fi

# The file refuses to start without these secrets; any value does for validation.
POSTGRES_PASSWORD=compose-validation-only \
SINERGI_JWT_SECRET=compose-validation-only \
SINERGI_SIMPONI_CALLBACK_SECRET=compose-validation-only \
SINERGI_SESSION_SECRET=compose-validation-only \
SINERGI_PAYLOAD_KEY_ID=compose-validation-only \
SINERGI_PAYLOAD_KEYS='{}' \
    docker-compose -f docker-compose.yml config -q
echo "check-compose: docker-compose.yml is valid"
