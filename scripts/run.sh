#!/usr/bin/env bash
# Set up (first time only) and run the app: bash scripts/run.sh
# Creates .venv next to the app, installs the pinned requirements, starts Streamlit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements.txt
# Streamlit's server (uvicorn) would replace a loopback peer's address by X-Forwarded-For:
# trust no forwarded header there. The app reads the socket's peer itself and trusts a proxy
# only as `[access] trust_proxy` / `trusted_proxies` say (ui/access.py, docs/deploy.md).
export FORWARDED_ALLOW_IPS=""
exec .venv/bin/python -m streamlit run app.py "$@"
