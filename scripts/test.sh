#!/usr/bin/env bash
# Set up (first time only) and run every test: bash scripts/test.sh
# The browser tests need Debian's chromium and a CJK font:
#   apt-get install chromium fonts-wqy-zenhei
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements-dev.txt
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest "$@"
