#!/usr/bin/env bash
# Re-vendors the workspace's browser assets from pinned npm packages (run by a developer when
# a version changes; nothing is fetched at run time or by `make`). The files are committed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HTMX=2.0.11 SWAGGER=5.35.0 REDOC=2.5.4 AXE=4.14.1 CHARTJS=4.6.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vendor=web/static/vendor

unpack() {  # name version -> $work/name-version/package
    (cd "$work" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1-$2" \
        && tar xzf "$1-$2.tgz" -C "$1-$2")
}

replace_once() {  # file old new: exactly one occurrence of old, else fail
    python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path, encoding="utf-8").read()
if text.count(old) != 1:
    sys.exit(f"{path}: expected exactly one {old!r}, found {text.count(old)}")
open(path, "w", encoding="utf-8").write(text.replace(old, new))
PY
}

rm -rf "$vendor" && mkdir -p "$vendor"
unpack htmx.org "$HTMX"
mkdir -p "$vendor/htmx.org-$HTMX"
cp "$work/htmx.org-$HTMX/package/dist/htmx.min.js" "$work/htmx.org-$HTMX/package/LICENSE" \
    "$vendor/htmx.org-$HTMX/"
unpack swagger-ui-dist "$SWAGGER"
mkdir -p "$vendor/swagger-ui-dist-$SWAGGER"
cp "$work/swagger-ui-dist-$SWAGGER/package/"{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE} \
    "$vendor/swagger-ui-dist-$SWAGGER/"
unpack redoc "$REDOC"
mkdir -p "$vendor/redoc-$REDOC"
cp "$work/redoc-$REDOC/package/bundles/redoc.standalone.js" "$work/redoc-$REDOC/package/LICENSE" \
    "$vendor/redoc-$REDOC/"
# ReDoc's side menu ends with "API docs by Redocly" and a logo it fetches from cdn.redoc.ly at
# run time (no option turns it off, and the package does not ship the image). The workspace
# works offline and its CSP allows images from 'self' only, so the logo is not rendered: the
# <img> element becomes null. The link and its text stay. A new version that changed this code
# fails here, to be looked at again.
replace_once "$vendor/redoc-$REDOC/redoc.standalone.js" \
    'e?n.createElement("img",{alt:"redocly logo",onError:()=>t(!1),src:"https://cdn.redoc.ly/redoc/logo-mini.svg"}):null' \
    'null'
# The auditors' report charts (web/static/charts.js draws them).
unpack chart.js "$CHARTJS"
mkdir -p "$vendor/chart.js-$CHARTJS"
cp "$work/chart.js-$CHARTJS/package/dist/chart.umd.min.js" \
    "$work/chart.js-$CHARTJS/package/LICENSE.md" "$vendor/chart.js-$CHARTJS/"
# axe-core is for the browser tests only: injected into each page they check.
unpack axe-core "$AXE"
mkdir -p tests/web/vendor
cp "$work/axe-core-$AXE/package/"{axe.min.js,LICENSE} tests/web/vendor/
echo "vendored htmx.org $HTMX, swagger-ui-dist $SWAGGER, redoc $REDOC, chart.js $CHARTJS," \
    "axe-core $AXE"
