#!/usr/bin/env bash
# Writes the architecture's Graphviz sources from the templates and draws them: render.sh PYTHON [OUTPUT_DIR]
# docs/architecture{,-detail}.dot come from scripts/diagram.py; Graphviz's `dot` (Debian's package) draws each as SVG
# (icons embedded) and PNG. The icons are AWS's, from the `diagrams` package in the development environment.
set -euo pipefail
python="$1"
output_dir="${2:-docs}"

if ! command -v dot >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "render.sh: needs Graphviz (Debian: sudo apt-get install graphviz)" >&2
    exit 1
  fi
fi

"$python" -m scripts.diagram --output-dir "$output_dir" --render
