#!/usr/bin/env bash
# Prints the path of a Python 3 that can import jsonschema, the validator
# the tests check backups against docs/backup-v1.schema.json with; installs
# Debian's python3-jsonschema when no Python here has it.
set -euo pipefail
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import jsonschema' 2>/dev/null; then
    command -v "$py"
    exit 0
  fi
done
echo "==> installing python3-jsonschema from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq python3-jsonschema >&2 \
  || { apt-get update -qq >&2 && apt-get install -y -qq python3-jsonschema >&2; }
/usr/bin/python3 -c 'import jsonschema'
echo /usr/bin/python3
