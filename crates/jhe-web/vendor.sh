#!/usr/bin/env bash
# Re-fetch the vendored browser libraries of the web UI from the npm registry.
#
# Usage: crates/jhe-web/vendor.sh
#
# Downloads the exact versions pinned below with `npm pack` (no install, no scripts run),
# copies only the files the UI loads plus each LICENSE into static/vendor/<lib>/.
# To upgrade, change a version here, run the script, update static/vendor/README.md
# and check the UI (and the e2e tests).
set -euo pipefail

BOOTSTRAP_VERSION=5.3.9
BOOTSTRAP_ICONS_VERSION=1.13.2
OIDC_CLIENT_TS_VERSION=3.5.0
JWT_DECODE_VERSION=4.0.0   # bundled inside oidc-client-ts's browser build; only its LICENSE is copied
QRCODE_GENERATOR_VERSION=2.0.4
UPLOT_VERSION=1.6.32

here="$(cd "$(dirname "$0")" && pwd)"
vendor="$here/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch <package> <version>: unpack the registry tarball into $work/<package>/
fetch() {
    local name="$1" version="$2"
    local tgz
    tgz="$(cd "$work" && npm pack --silent "$name@$version")"
    mkdir -p "$work/$name"
    tar -xzf "$work/$tgz" -C "$work/$name" --strip-components=1
}

fetch bootstrap "$BOOTSTRAP_VERSION"
fetch bootstrap-icons "$BOOTSTRAP_ICONS_VERSION"
fetch oidc-client-ts "$OIDC_CLIENT_TS_VERSION"
fetch jwt-decode "$JWT_DECODE_VERSION"
fetch qrcode-generator "$QRCODE_GENERATOR_VERSION"
fetch uplot "$UPLOT_VERSION"

rm -rf "$vendor/bootstrap" "$vendor/bootstrap-icons" "$vendor/oidc-client-ts" "$vendor/qrcode-generator" "$vendor/uplot"
mkdir -p "$vendor/bootstrap" "$vendor/bootstrap-icons/fonts" "$vendor/oidc-client-ts" "$vendor/qrcode-generator" \
    "$vendor/uplot"

# Bootstrap: minified CSS and the bundle (includes Popper).
cp "$work/bootstrap/dist/css/bootstrap.min.css" "$vendor/bootstrap/"
cp "$work/bootstrap/dist/js/bootstrap.bundle.min.js" "$vendor/bootstrap/"
cp "$work/bootstrap/LICENSE" "$vendor/bootstrap/LICENSE"

# Bootstrap Icons: the icon font and its stylesheet (which refers to fonts/...).
cp "$work/bootstrap-icons/font/bootstrap-icons.min.css" "$vendor/bootstrap-icons/"
cp "$work/bootstrap-icons/font/fonts/bootstrap-icons.woff2" "$work/bootstrap-icons/font/fonts/bootstrap-icons.woff" \
   "$vendor/bootstrap-icons/fonts/"
cp "$work/bootstrap-icons/LICENSE" "$vendor/bootstrap-icons/LICENSE"

# oidc-client-ts: the self-contained browser build (classic script defining the global `oidc`).
cp "$work/oidc-client-ts/dist/browser/oidc-client-ts.min.js" "$vendor/oidc-client-ts/"
cp "$work/oidc-client-ts/LICENSE" "$vendor/oidc-client-ts/LICENSE"
cp "$work/jwt-decode/LICENSE" "$vendor/oidc-client-ts/LICENSE.jwt-decode"

# qrcode-generator: the ES module build. The package ships no LICENSE file; its source
# header states the MIT license, so the header is kept next to the standard MIT text.
cp "$work/qrcode-generator/dist/qrcode.mjs" "$vendor/qrcode-generator/"
{
    sed -n '1,16p' "$work/qrcode-generator/dist/qrcode.mjs"
    cat <<'MIT'

The MIT License

Copyright (c) 2009 Kazuhiko Arase

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
MIT
} > "$vendor/qrcode-generator/LICENSE"

# uPlot: the ES module build and its stylesheet.
cp "$work/uplot/dist/uPlot.esm.js" "$work/uplot/dist/uPlot.min.css" "$vendor/uplot/"
cp "$work/uplot/LICENSE" "$vendor/uplot/LICENSE"

echo "vendored into $vendor:"
(cd "$vendor" && find bootstrap bootstrap-icons oidc-client-ts qrcode-generator uplot -type f | sort)
