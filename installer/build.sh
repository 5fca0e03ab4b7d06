#!/usr/bin/env bash
# Build the frozen application on Linux (or macOS): dist/rego-desktop/.
# Needs the project with its build extra in the current Python:
#   pip install -e '.[build]'
# Arguments go to installer/build.py (--dist DIR, --work DIR, --no-check).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" installer/build.py "$@"
