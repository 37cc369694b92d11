#!/usr/bin/env bash
# Prints the path of a Python 3 that can import jsonschema (the tests check
# backups against docs/backup-v1.schema.json with it) and
# openapi_spec_validator (the API document's test runs it). When no Python
# here has both, makes a virtualenv in the build cache and installs them
# from PyPI (Debian's python3-venv first, when missing).
set -euo pipefail
has_both() { "$1" -c 'import jsonschema, openapi_spec_validator' 2>/dev/null; }
venv="${TIMETHER_CACHE_DIR:-$HOME/.cache/timether}/python"
for py in python3 /usr/bin/python3 "$venv/bin/python3"; do
  if command -v "$py" >/dev/null 2>&1 && has_both "$py"; then
    command -v "$py"
    exit 0
  fi
done
if ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "==> installing python3-venv from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq python3-venv >&2 \
    || { apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2; }
fi
echo "==> installing jsonschema and openapi-spec-validator (PyPI) into $venv" >&2
/usr/bin/python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q jsonschema openapi-spec-validator >&2
has_both "$venv/bin/python3"
echo "$venv/bin/python3"
