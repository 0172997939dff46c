#!/usr/bin/env bash
# Install the Debian packages listed in scripts/system-packages.txt that are missing.
# Without an argument: the lines before the first "[section]"; with one (e.g. spark): that section.
# Runs apt-get only when something is missing (needs root or sudo then).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
want="${1:-}"
section=""
missing=()
while read -r pkg cmd; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  if [[ "$pkg" =~ ^\[(.+)\]$ ]]; then
    section="${BASH_REMATCH[1]}"
    continue
  fi
  [[ "$section" == "$want" ]] || continue
  # "package command": the package is only needed when the command is missing
  # (e.g. npm, which may come with a Node.js installed outside Debian's packages).
  [[ -n "${cmd:-}" ]] && command -v "$cmd" >/dev/null 2>&1 && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < "$here/system-packages.txt"
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages${want:+ ($want)}: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
