#!/usr/bin/env bash
# Validate docker-compose.yml offline with Debian's docker-compose (1.29) and the example
# environment .env.example; Docker itself is not needed. Not PyPI's docker-compose: Debian's
# package is the one CI installs. Then Prometheus's configuration and alert rules.
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

# Validated with the README's own example environment: the file users copy to .env.
docker-compose --env-file .env.example -f docker-compose.yml config -q
echo "check-compose: docker-compose.yml is valid with .env.example"

# Prometheus: its configuration and alert rules (promtool check), and the rules' unit tests
# (promtool test rules). promtool comes from Debian's prometheus package, unpacked into
# .venv/ (no service installed or started).
PROMTOOL=$(command -v promtool || echo .venv/promtool/usr/bin/promtool)
if [ ! -x "$PROMTOOL" ]; then
    echo "check-compose: unpacking promtool from Debian's prometheus package" >&2
    work=$(mktemp -d)
    chmod 755 "$work"  # apt's download user writes there
    if ! (cd "$work" && apt-get download -qq prometheus >/dev/null 2>&1); then
        apt-get update -qq || true  # a fresh machine may have no package lists yet
        (cd "$work" && apt-get download -qq prometheus >/dev/null) || {
            echo "check-compose: could not download Debian's prometheus package" >&2
            rm -rf "$work"; exit 1; }
    fi
    dpkg-deb -x "$work"/prometheus_*.deb .venv/promtool
    rm -rf "$work"
fi
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
cp prometheus/prometheus.yml prometheus/alerts.yml "$config"/
printf 'validation-only' > "$config"/metrics-token  # the container writes the real one
"$PROMTOOL" check config "$config"/prometheus.yml
"$PROMTOOL" test rules prometheus/alerts.test.yml
echo "check-compose: prometheus configuration, rules and rule tests pass"
