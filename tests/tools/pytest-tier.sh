#!/usr/bin/env bash
# Run one pytest tier (a directory, or one test file) and refuse to pass when it tested nothing.
# Usage: tests/tools/pytest-tier.sh DIR|FILE [PYTEST ARGS...]
# pytest exits 5 when it collects no tests; a tier that silently tests
# nothing is a broken tier, so say so loudly and keep the non-zero code.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:?usage: pytest-tier.sh DIR|FILE [PYTEST ARGS...]}"
shift

cd "$ROOT" || exit 1
if [ ! -e "$dir" ]; then
    echo "pytest-tier: ERROR: $dir does not exist - this tier has no tests" >&2
    exit 5
fi

"$ROOT/.venv/bin/pytest" "$dir" -q "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "pytest-tier: ERROR: pytest collected no tests in $dir (exit 5) - this tier proves nothing" >&2
fi
exit "$rc"
