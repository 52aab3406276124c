#!/usr/bin/env bash
# Set up (first time only) and run the app: bash scripts/run.sh
# Creates .venv next to the app, installs the pinned requirements, starts Streamlit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
