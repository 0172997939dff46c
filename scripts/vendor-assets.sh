#!/usr/bin/env bash
# Install the portal's front-end libraries from package-lock.json (npm ci) and copy
# the built files, with their licences, into monitor/portal/static/vendor.
# Offline-tolerant: when the vendored copies already match the lock file, nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=monitor/portal/static/vendor
STAMP="$VENDOR/.lock-sha256"
# package: its built file (copied under the name the pages load) and its licence
FILES=(
    "echarts:dist/echarts.min.js:echarts.min.js"
    "cytoscape:dist/cytoscape.min.js:cytoscape.min.js"
    "layout-base:layout-base.js:layout-base.js"
    "cose-base:cose-base.js:cose-base.js"
    "cytoscape-fcose:cytoscape-fcose.js:cytoscape-fcose.js"
)
want=$(sha256sum package-lock.json | cut -d' ' -f1)
vendored() {
    local entry
    for entry in "${FILES[@]}"; do
        [[ -f "$VENDOR/${entry##*:}" ]] || return 1
    done
}
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] && vendored; then
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
versions=()
for entry in "${FILES[@]}"; do
    IFS=: read -r package built name <<< "$entry"
    cp "node_modules/$package/$built" "$VENDOR/$name"
    cp "node_modules/$package/LICENSE" "$VENDOR/LICENSE.$package"
    versions+=("$package $(node -p "require('./node_modules/$package/package.json').version")")
done
echo "$want" > "$STAMP"
echo "vendor-assets: $(IFS=,; echo "${versions[*]}" | sed 's/,/, /g') in $VENDOR"
