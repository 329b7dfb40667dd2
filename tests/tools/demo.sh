#!/usr/bin/env bash
# make demo: bring up the built-in lab (a real OpenStack on 127.0.0.2-4) if it
# is not running, install the target release's venvs beside the running ones,
# then run the readiness checks (playbooks/check.yml) against it over SSH and
# print the "Upgrade Check Results" tables.
#
#   OSOPS_DEMO_RELEASE  the lab's release        (default 2025.1)
#   OSOPS_DEMO_TARGET   the release to check for (default 2026.1)
set -euo pipefail
cd "$(dirname "$0")/../.."

source_release="${OSOPS_DEMO_RELEASE:-2025.1}"
target_release="${OSOPS_DEMO_TARGET:-2026.1}"
labctl="python3 tests/lab/labctl"

echo "== demo: Debian packages of the lab"
$labctl deps
echo "== demo: the lab at $source_release (first time: builds venvs, a few minutes)"
$labctl up --release "$source_release"
echo "== demo: venvs of the target release $target_release (its nova-status runs before the upgrade)"
$labctl install --release "$target_release"

status="$($labctl status --json)"
inventory="$(.venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["inventory"])' <<<"$status")"
clouds="$(.venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["clouds_yaml"])' <<<"$status")"

# The collection, as ansible-playbook finds it, from this checkout.
mkdir -p .cache/collections/ansible_collections/osops
ln -sfn "$PWD" .cache/collections/ansible_collections/osops/lifecycle

echo "== demo: readiness checks, $source_release -> $target_release"
ANSIBLE_COLLECTIONS_PATH="$PWD/.cache/collections" \
ANSIBLE_CALLBACKS_ENABLED=osops.lifecycle.check_table \
OSOPS_CHECK_REPORT_PATH="$PWD/.cache/demo-report.json" \
OS_CLIENT_CONFIG_FILE="$clouds" \
    .venv/bin/ansible-playbook -i "$inventory" playbooks/check.yml \
        -e osops_check_cloud=lab -e "osops_check_target_release=$target_release"
echo "== demo: JSON report in .cache/demo-report.json; stop the lab with: $labctl down"
