#!/usr/bin/env bash
# Renders a Mermaid file to SVG (and PNG when asked): render.sh docs/architecture.mmd docs/architecture.svg [out.png]
# The renderer is @mermaid-js/mermaid-cli at the version package-lock.json pins, installed here by npm ci; it
# drives Debian's Chromium (puppeteer's own browser download is skipped: only package registries are reachable).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
input="$1"
svg="$2"
png="${3:-}"

if [[ ! -f "$here/node_modules/.installed" || "$here/package-lock.json" -nt "$here/node_modules/.installed" ]]; then
  # No install scripts: puppeteer's would download a browser.
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix "$here" --ignore-scripts --no-audit --no-fund --loglevel=error
  touch "$here/node_modules/.installed"
fi

if ! command -v chromium >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "render.sh: needs Chromium (Debian: sudo apt-get install chromium)" >&2
    exit 1
  fi
fi
export PUPPETEER_EXECUTABLE_PATH="${PUPPETEER_EXECUTABLE_PATH:-$(command -v chromium)}"

mmdc=("$here/node_modules/.bin/mmdc" --quiet -p "$here/puppeteer.json" -c "$here/mermaid.json" -b white -i "$input")
"${mmdc[@]}" -o "$svg"
if [[ -n "$png" ]]; then
  "${mmdc[@]}" -o "$png"
fi
