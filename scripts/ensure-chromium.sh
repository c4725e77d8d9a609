#!/usr/bin/env bash
# The browser tests (tests/web/) drive Debian's chromium through Playwright; Playwright never
# downloads a browser. Install the Debian package when it is missing and we are root (CI, a
# fresh machine); otherwise say what to do.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing Debian's chromium" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
else
    echo "ensure-chromium: /usr/bin/chromium is missing (the browser tests need it)." >&2
    echo "  Install Debian's package: sudo apt-get install chromium" >&2
    exit 1
fi
