#!/usr/bin/env bash
# Set up (first time only) and run every test: bash scripts/test.sh
# The browser tests need Debian's chromium and a CJK font, the lint of layers/webmap/js node and npm:
#   apt-get install chromium fonts-wqy-zenhei nodejs npm
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements-dev.txt
.venv/bin/python -m ruff check .
# The browser scripts (layers/webmap/js, ui/js) with ESLint, pinned in scripts/eslint.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test.sh: node and npm are needed to lint layers/webmap/js (apt-get install nodejs npm)" >&2
  exit 1
fi
if [ ! -d scripts/eslint/node_modules ]; then
  npm ci --prefix scripts/eslint --no-audit --no-fund
fi
npx --prefix scripts/eslint eslint -c scripts/eslint/eslint.config.js layers ui
exec .venv/bin/python -m pytest "$@"
