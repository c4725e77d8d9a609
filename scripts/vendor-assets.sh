#!/usr/bin/env bash
# Re-vendors the workspace's browser assets from pinned npm packages (run by a developer when
# a version changes; nothing is fetched at run time or by `make`). The files are committed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HTMX=2.0.11 SWAGGER=5.35.0 REDOC=2.5.4 AXE=4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vendor=web/static/vendor

unpack() {  # name version -> $work/name-version/package
    (cd "$work" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1-$2" \
        && tar xzf "$1-$2.tgz" -C "$1-$2")
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
# axe-core is for the browser tests only: injected into each page they check.
unpack axe-core "$AXE"
mkdir -p tests/web/vendor
cp "$work/axe-core-$AXE/package/"{axe.min.js,LICENSE} tests/web/vendor/
echo "vendored htmx.org $HTMX, swagger-ui-dist $SWAGGER, redoc $REDOC, axe-core $AXE"
