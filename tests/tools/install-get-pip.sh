#!/usr/bin/env bash
# Put the offline get-pip stand-in (tests/tools/get_pip_offline.py) where
# ansible-test looks for its cached pip bootstrap script, for every pip version
# the installed ansible-test may ask for:
#   ~/.ansible/test/cache/get_pip_<version with _ for .>.py
# (see ansible_test/_util/target/setup/requirements.py: bootstrap()).
#
# Usage: tests/tools/install-get-pip.sh [PYTHON]
#   PYTHON: interpreter that has ansible-test installed (default .venv/bin/python)
# Idempotent; a cache file that is a real get-pip.py (no marker) is left alone.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${1:-$ROOT/.venv/bin/python}"
STANDIN="$ROOT/tests/tools/get_pip_offline.py"
MARKER='osops-lifecycle-offline-get-pip'
CACHE_DIR="$HOME/.ansible/test/cache"

# Every pip version named in the installed ansible-test: the pins returned by
# get_venv_packages() (default and per-python overrides) and the get-pip-X.py
# URLs used by its bootstrap.sh.
mapfile -t versions < <("$PYTHON" - <<'PY'
import os, re
import ansible_test
base = os.path.dirname(ansible_test.__file__)
found = set()
with open(os.path.join(base, '_internal', 'python_requirements.py')) as f:
    found.update(re.findall(r"""\bpip\s*=\s*['"]([0-9][0-9.]*)['"]""", f.read()))
with open(os.path.join(base, '_util', 'target', 'setup', 'bootstrap.sh')) as f:
    found.update(re.findall(r'get-pip-([0-9][0-9.]*[0-9])\.py', f.read()))
for v in sorted(found):
    print(v)
PY
)

if [ "${#versions[@]}" -eq 0 ]; then
    echo "install-get-pip: found no pip version in ansible-test's source" >&2
    exit 1
fi

mkdir -p "$CACHE_DIR"
for version in "${versions[@]}"; do
    target="$CACHE_DIR/get_pip_${version//./_}.py"
    if [ -e "$target" ] && ! grep -q "$MARKER" "$target"; then
        echo "install-get-pip: keeping existing $target (not ours)"
        continue
    fi
    if ! cmp -s "$STANDIN" "$target"; then
        install -m 0644 "$STANDIN" "$target"
        echo "install-get-pip: installed $target (pip $version)"
    fi
done
