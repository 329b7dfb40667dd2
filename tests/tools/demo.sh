#!/usr/bin/env bash
# make demo: the whole story on the built-in lab (a real OpenStack on
# 127.0.0.2-4), each stage timed:
#   1. the lab at the source release, fresh (its Debian packages and venvs
#      built the first time), and the target release's venvs beside it;
#   2. discovery of the cluster into a state store (playbooks/discover.yml);
#   3. the readiness checks for the target release (playbooks/check.yml):
#      the "Upgrade Check Results" tables;
#   4. the rolling upgrade (playbooks/upgrade.yml), one progress line per step;
#   5. the readiness checks again, on the upgraded cloud;
#   6. the upgrade's status (playbooks/upgrade_status.yml) and where the
#      reports are (the check reports, the upgrade's HTML report).
#
#   OSOPS_DEMO_RELEASE  the lab's release        (default 2025.1)
#   OSOPS_DEMO_TARGET   the release to upgrade to (default 2026.1)
set -euo pipefail
cd "$(dirname "$0")/../.."

source_release="${OSOPS_DEMO_RELEASE:-2025.1}"
target_release="${OSOPS_DEMO_TARGET:-2026.1}"
labctl="python3 tests/lab/labctl"
work="$PWD/.cache/demo"
began=$(date +%s)
stage_began=""

# Start a stage: say what it does, after how long the previous one took.
stage() {
    local now
    now=$(date +%s)
    [ -z "$stage_began" ] || echo "   ($((now - stage_began)) s)"
    stage_began=$now
    echo "== demo: $*"
}

stage "Debian packages of the lab"
$labctl deps
if $labctl status --json 2>/dev/null | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["up"] else 1)'; then
    stage "the lab is up (perhaps upgraded by an earlier demo): stopping it to start fresh"
    $labctl down
fi
stage "the lab at $source_release (first time: builds its venvs, a few minutes)"
$labctl up --release "$source_release"
stage "venvs of the target release $target_release beside the running ones (the upgrade switches to them)"
$labctl install --release "$target_release"

status="$($labctl status --json)"
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1" <<<"$status"; }
inventory="$(field inventory)"
clouds="$(field clouds_yaml)"
# The target release's version of each service, as the lab installs it.
versions="$($labctl releases | python3 -c '
import json, re, sys
target = sys.argv[1]
for line in sys.stdin:
    if line.split()[0] == target:
        print(json.dumps(dict(re.findall(r"([a-z]+) ([0-9]+\.[0-9]+\.[0-9]+)", line))))
' "$target_release")"
[ -n "$versions" ] || { echo "demo: the lab does not know release $target_release ($labctl releases)" >&2; exit 1; }

# The collection, as ansible-playbook finds it, from this checkout; a fresh store for this demo.
mkdir -p .cache/collections/ansible_collections/osops "$work"
ln -sfn "$PWD" .cache/collections/ansible_collections/osops/lifecycle
rm -rf "$work"/store.db "$work"/check-*.json "$work"/reports
export ANSIBLE_COLLECTIONS_PATH="$PWD/.cache/collections" OS_CLIENT_CONFIG_FILE="$clouds" PYTHONWARNINGS=ignore \
    ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
extra="$(python3 -c '
import json, sys
store, target, versions = sys.argv[1:]
print(json.dumps({"osops_discover_cluster": "lab", "osops_discover_method": "openstack_api",
                  "osops_discover_cloud": "lab", "osops_discover_host_versions": True,
                  "osops_discover_store": store, "osops_upgrade_cluster": "lab", "osops_upgrade_store": store,
                  "osops_upgrade_target_release": target, "osops_upgrade_target_versions": json.loads(versions),
                  "osops_upgrade_report_dir": store[len("sqlite:///"):].rsplit("/", 1)[0] + "/reports",
                  "osops_check_cloud": "lab", "osops_check_target_release": target}))
' "sqlite:///$work/store.db" "$target_release" "$versions")"
playbook() { .venv/bin/ansible-playbook -i "$inventory" -e "$extra" "$@"; }

stage "discovery of the lab into the state store $work/store.db"
playbook osops.lifecycle.discover
stage "readiness checks for $target_release"
ANSIBLE_CALLBACKS_ENABLED=osops.lifecycle.check_table OSOPS_CHECK_REPORT_PATH="$work/check-before.json" \
    playbook playbooks/check.yml
stage "the rolling upgrade $source_release -> $target_release (the readiness checks again at its start and end)"
playbook osops.lifecycle.upgrade
stage "readiness checks on the upgraded cloud"
ANSIBLE_CALLBACKS_ENABLED=osops.lifecycle.check_table OSOPS_CHECK_REPORT_PATH="$work/check-after.json" \
    playbook playbooks/check.yml -e osops_check_upgrade_path=false
stage "the upgrade's status"
playbook osops.lifecycle.upgrade_status
stage "done in $(( $(date +%s) - began )) s"
echo "   the check reports: $work/check-before.json, $work/check-after.json"
echo "   the upgrade's HTML report (timeline, versions, checks before and after): $(ls "$work"/reports/upgrade-*.html)"
echo "   the upgrade, its steps and the discovery: the store $work/store.db"
echo "   (ansible-playbook osops.lifecycle.upgrades -e osops_upgrade_store=sqlite:///$work/store.db)"
echo "   stop the lab with: $labctl down"
