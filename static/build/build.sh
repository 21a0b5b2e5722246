#!/usr/bin/env bash
# Rebuild the vendored GOV.UK Frontend assets in static/vendor/govuk/.
#
# Usage: static/build/build.sh [NPM_DIR]
#
# NPM_DIR is a scratch directory for npm (created if missing); without it a
# temporary directory is used and removed afterwards. Needs node and npm and
# access to the npm registry. The output is committed, so the Django app
# itself never needs node.
#
# We are a non-government service: the build leaves out the GDS Transport
# font and every crown / GOV.UK brand image, and checks that it did.
set -euo pipefail

GOVUK_FRONTEND_VERSION="6.0.0"
SASS_VERSION="1.108.2"

BUILD_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATIC_DIR="$(cd "$BUILD_DIR/.." && pwd)"
OUT_DIR="$STATIC_DIR/vendor/govuk"
STATIC_URL="/static/"

# Upstream files under dist/govuk/assets/ that we copy. Deliberately empty:
#   fonts/*                         GDS Transport, GOV.UK only
#   images/favicon.ico, favicon.svg the crown
#   images/govuk-icon-*.png, -mask.svg  the crown
#   images/govuk-crest.svg          royal coat of arms (CSS asks for it only for
#                                   .govuk-footer__copyright-logo; govuk.scss
#                                   replaces it with `none`)
#   images/govuk-opengraph-image.png, manifest.json  GOV.UK brand / crown icons
ASSETS=()

if [[ $# -ge 1 ]]; then
  NPM_DIR="$1"
  mkdir -p "$NPM_DIR"
else
  NPM_DIR="$(mktemp -d)"
  trap 'rm -rf "$NPM_DIR"' EXIT
fi
NPM_DIR="$(cd "$NPM_DIR" && pwd)"

echo "Installing govuk-frontend@$GOVUK_FRONTEND_VERSION and sass@$SASS_VERSION in $NPM_DIR"
(
  cd "$NPM_DIR"
  [[ -f package.json ]] || npm init -y >/dev/null
  npm install --no-audit --no-fund --save-exact \
    "govuk-frontend@$GOVUK_FRONTEND_VERSION" "sass@$SASS_VERSION"
)

GOVUK_DIST="$NPM_DIR/node_modules/govuk-frontend/dist/govuk"
installed="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).version)' \
  "$NPM_DIR/node_modules/govuk-frontend/package.json")"
if [[ "$installed" != "$GOVUK_FRONTEND_VERSION" ]]; then
  echo "error: installed govuk-frontend $installed, wanted $GOVUK_FRONTEND_VERSION" >&2
  exit 1
fi

# Start from a clean output directory, so nothing stale (or branded) survives.
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"

echo "Compiling static/build/govuk.scss"
# --quiet-deps hides govuk-frontend's own deprecation warnings (it is written
# with @import); govuk.scss must use @import too, see the note at its top.
"$NPM_DIR/node_modules/.bin/sass" \
  --style=compressed \
  --no-source-map \
  --load-path="$NPM_DIR/node_modules" \
  --quiet-deps \
  --silence-deprecation=import \
  "$BUILD_DIR/govuk.scss" "$OUT_DIR/govuk-frontend.min.css"

# The JavaScript is an ES module (load it with <script type="module">). The
# .map is copied too: the .js ends with a sourceMappingURL comment, and
# Django's ManifestStaticFilesStorage fails collectstatic if it is missing.
cp "$GOVUK_DIST/govuk-frontend.min.js" "$OUT_DIR/govuk-frontend.min.js"
cp "$GOVUK_DIST/govuk-frontend.min.js.map" "$OUT_DIR/govuk-frontend.min.js.map"

for asset in "${ASSETS[@]}"; do
  mkdir -p "$(dirname "$OUT_DIR/assets/$asset")"
  cp "$GOVUK_DIST/assets/$asset" "$OUT_DIR/assets/$asset"
done

# The npm package ships no licence file; package.json says MIT. This is the
# licence text of the govuk-frontend repository.
licence="$(find "$NPM_DIR/node_modules/govuk-frontend" -maxdepth 1 -iname 'licen[cs]e*' | head -n 1)"
if [[ -n "$licence" ]]; then
  cp "$licence" "$OUT_DIR/LICENSE.txt"
else
  cat >"$OUT_DIR/LICENSE.txt" <<'EOF'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
fi

printf 'govuk-frontend %s\nsass %s\n' "$GOVUK_FRONTEND_VERSION" "$SASS_VERSION" >"$OUT_DIR/VERSION"

# --- Checks ----------------------------------------------------------------
css="$OUT_DIR/govuk-frontend.min.css"
status=0
if grep -q "GDS Transport" "$css"; then
  echo "error: compiled CSS mentions GDS Transport" >&2
  status=1
fi
if grep -q "@font-face" "$css"; then
  echo "error: compiled CSS has @font-face rules" >&2
  status=1
fi
if grep -qiE "crest|crown|logotype\.svg|favicon|govuk-icon" <(grep -oE 'url\([^)]*\)' "$css" || true); then
  echo "error: compiled CSS references a GOV.UK brand image" >&2
  status=1
fi
while IFS= read -r url; do
  path="${url#url(}"
  path="${path%)}"
  path="${path//\"/}"
  path="${path//\'/}"
  case "$path" in
    data:*) continue ;;
    "$STATIC_URL"*) ;;
    *)
      echo "error: CSS url outside $STATIC_URL: $path" >&2
      status=1
      continue
      ;;
  esac
  if [[ ! -f "$STATIC_DIR/${path#"$STATIC_URL"}" ]]; then
    echo "error: CSS references missing file $path" >&2
    status=1
  fi
done < <(grep -oE 'url\([^)]*\)' "$css" | sort -u || true)
if [[ -d "$OUT_DIR/assets/fonts" ]]; then
  echo "error: fonts were copied" >&2
  status=1
fi
if [[ $status -ne 0 ]]; then
  exit "$status"
fi

echo "Built GOV.UK Frontend $GOVUK_FRONTEND_VERSION into $OUT_DIR:"
(cd "$OUT_DIR" && find . -type f | sort | xargs ls -l)
