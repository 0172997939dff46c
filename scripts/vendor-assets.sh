#!/usr/bin/env bash
# Install the portal's front-end libraries from package-lock.json (npm ci) and copy
# the built files into monitor/portal/static/vendor. Offline-tolerant: when the
# vendored copies already match the lock file, nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=monitor/portal/static/vendor
STAMP="$VENDOR/.lock-sha256"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -f "$VENDOR/echarts.min.js" && -f "$VENDOR/cytoscape.min.js" ]]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "vendor-assets: npm is missing (apt-get install npm) and $VENDOR is not up to date" >&2
    exit 1
fi
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s <(sha256sum < package-lock.json) <(cat node_modules/.lock-sha256 2>/dev/null); then
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
    sha256sum < package-lock.json > node_modules/.lock-sha256
fi
mkdir -p "$VENDOR"
cp node_modules/echarts/dist/echarts.min.js "$VENDOR/echarts.min.js"
cp node_modules/cytoscape/dist/cytoscape.min.js "$VENDOR/cytoscape.min.js"
cp node_modules/echarts/LICENSE "$VENDOR/LICENSE.echarts"
cp node_modules/cytoscape/LICENSE "$VENDOR/LICENSE.cytoscape"
echo "$want" > "$STAMP"
echo "vendor-assets: echarts $(node -p "require('./node_modules/echarts/package.json').version") and cytoscape $(node -p "require('./node_modules/cytoscape/package.json').version") in $VENDOR"
