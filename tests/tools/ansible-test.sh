#!/usr/bin/env bash
# Run ansible-test from a copy of the checkout that sits at a real
# .../ansible_collections/osops/lifecycle path (ansible-test refuses symlinks).
#
# Usage: tests/tools/ansible-test.sh [ANSIBLE-TEST ARGS...]
#   default args: sanity --venv --python 3.11 --color no
# Env:   ANSIBLE_TEST_ROOT  parent of ansible_collections/ (default .cache/ansible-test)
#
# The copy:
#  * KEEPS .git: ansible-test looks for .git upwards from the collection
#    root; without a .git in the copy it finds this checkout's .git, in which
#    .cache/ is ignored, and then sees no files at all ("All targets
#    skipped").  With the copy's own .git it lists tracked + untracked,
#    not-ignored files (`git ls-files --cached --others --exclude-standard`),
#    i.e. exactly what the checkout would show;
#  * honours .gitignore (ignored files are not copied);
#  * leaves out .venv, .cache, .ansible, collections/, tests/output;
#  * is made with rsync --delete so files removed from the checkout vanish;
#    the copy's tests/output (excluded, hence kept) holds ansible-test's
#    delegation venv between runs.
# --venv: every sanity test gets its own virtualenv under ~/.ansible/test/venv,
# built from PyPI via pip.conf; pip itself is bootstrapped by the offline
# get-pip stand-in (tests/tools/install-get-pip.sh).  No Docker, no network
# other than PyPI.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="$ROOT/.venv"
TEST_ROOT="${ANSIBLE_TEST_ROOT:-$ROOT/.cache/ansible-test}"
COPY="$TEST_ROOT/ansible_collections/osops/lifecycle"

if [ ! -x "$VENV/bin/ansible-test" ]; then
    echo "ansible-test.sh: $VENV/bin/ansible-test missing; run 'make setup'" >&2
    exit 1
fi

# Ignore files must exist and stay empty: fix findings, do not ignore them.
for f in "$ROOT"/tests/sanity/ignore-*.txt; do
    if [ -s "$f" ]; then
        echo "ansible-test.sh: $f is not empty; fix the findings instead" >&2
        exit 1
    fi
done

# Without shellcheck ansible-test only warns and skips the shellcheck test.
if ! command -v shellcheck >/dev/null; then
    echo "ansible-test.sh: shellcheck missing; run 'make setup'" >&2
    exit 1
fi

"$ROOT/tests/tools/install-get-pip.sh" "$VENV/bin/python"

mkdir -p "$COPY"
rsync -a --delete \
    --exclude=/.git/index.lock \
    --exclude=/.venv --exclude=/.cache --exclude=/.ansible \
    --exclude=/collections --exclude=/tests/output \
    --filter=':- .gitignore' \
    "$ROOT/" "$COPY/"

if [ "$#" -eq 0 ]; then
    set -- sanity --venv --python 3.11 --color no
fi

cd "$COPY"
# The .venv's bin/ first on PATH: ansible-test and the ansible-* it calls.
export PATH="$VENV/bin:$PATH"

# ansible-test exits 0 with "All targets skipped" when it finds no files
# (e.g. a wrong source provider): that is a failure of the harness, not a pass.
log="$(mktemp "${TMPDIR:-/tmp}/osops-ansible-test.XXXXXX")"
trap 'rm -f "$log"' EXIT
set +e
ansible-test "$@" 2>&1 | tee "$log"
rc="${PIPESTATUS[0]}"
set -e
if [ "$rc" -eq 0 ] && grep -q 'All targets skipped' "$log"; then
    echo "ansible-test.sh: ERROR: ansible-test tested nothing (All targets skipped)" >&2
    exit 1
fi
exit "$rc"
