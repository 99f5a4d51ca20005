#!/usr/bin/env bash
# Prints the path of a Python interpreter that has `websockets` >= 13, installing the package
# from PyPI if needed: `PYTHON=$(clients/python/websockets_python.sh)`. Install output goes to
# stderr.
#
# In order: python3 already has it; `pip install` into python3 (a user's or CI's own Python);
# where pip refuses because the distribution manages python3 (PEP 668, "externally-managed-
# environment"), a virtual environment in target/python-venv under the clone; where even that is
# impossible (Debian without python3-venv), pip's --break-system-packages.
set -euo pipefail

requirement='websockets>=13'
here=$(cd "$(dirname "$0")" && pwd)
venv=$(cd "$here/../.." && pwd)/target/python-venv

has_websockets() {
  "$1" -c 'import sys, websockets
sys.exit(int(websockets.__version__.split(".")[0]) < 13)' 2>/dev/null
}

found() {
  "$1" -c 'import sys, websockets
print("websockets", websockets.__version__, "in", sys.executable, file=sys.stderr)
print(sys.executable)'
  exit 0
}

python=${PYTHON:-python3}
has_websockets "$python" && found "$python"
if "$python" -m pip install --quiet "$requirement" >&2 && has_websockets "$python"; then
  found "$python"
fi
if [ -x "$venv/bin/python" ] || "$python" -m venv "$venv" >&2; then
  if has_websockets "$venv/bin/python" ||
    "$venv/bin/python" -m pip install --quiet "$requirement" >&2; then
    found "$venv/bin/python"
  fi
fi
"$python" -m pip install --quiet --break-system-packages "$requirement" >&2
has_websockets "$python" && found "$python"
echo "$0: cannot install $requirement for $python" >&2
exit 1
