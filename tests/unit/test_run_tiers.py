"""tests/tools/run-tiers.sh, the runner of `make test`'s tiers, with a stand-in for make.

The stand-in records when each tier starts and ends, sleeps, and fails the tiers named ``bad*``: the
lanes of a stage must overlap, the stages and a lane's tiers must not, a lane's output must come out
whole and in the order given, and a failed tier must fail the run without stopping the others. A lane
written ``~tiers`` runs in a cgroup of low CPU shares made for it (as root, with cgroup v1's cpu
controller; the stand-in reports its cgroup), and at the normal weight, saying so, where none can be made.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "tools" / "run-tiers.sh"

FAKE_MAKE = """#!/usr/bin/env bash
# $1 = --no-print-directory, $2 = the tier
tier="$2"
echo "start $tier $(date +%s.%N)" >> "$EVENTS"
echo "output of $tier, line 1"
sleep "${SLEEP:-0.3}"
echo "output of $tier, line 2"
echo "end $tier $(date +%s.%N)" >> "$EVENTS"
case "$tier" in bad*) exit 2 ;; esac
"""


def run_with(tmp_path: Path, fake_make: str, *stages: str, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The runner with ``fake_make`` as make; its result and the lines the stand-in wrote to $EVENTS."""
    make = tmp_path / "make"
    make.write_text(fake_make)
    make.chmod(0o755)
    events = tmp_path / "events"
    env = dict(os.environ, MAKE=str(make), EVENTS=str(events), TMPDIR=str(tmp_path), **env)
    proc = subprocess.run([str(RUNNER), *stages], env=env, capture_output=True, text=True, timeout=60, check=False)
    return proc, events.read_text().splitlines() if events.exists() else []


def run(tmp_path: Path, *stages: str) -> tuple[subprocess.CompletedProcess, dict[str, tuple[float, float]]]:
    proc, lines = run_with(tmp_path, FAKE_MAKE, *stages)
    spans: dict[str, list[float]] = {}
    for line in lines:
        kind, tier, moment = line.split()
        spans.setdefault(tier, [0.0, 0.0])[0 if kind == "start" else 1] = float(moment)
    return proc, {tier: (start, end) for tier, (start, end) in spans.items()}


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_lanes_side_by_side_stages_and_lane_tiers_in_order(tmp_path):
    proc, spans = run(tmp_path, "one", "left+right1,right2", "last")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert overlap(spans["left"], spans["right1"])  # the stage's two lanes ran at once
    assert spans["right1"][1] <= spans["right2"][0]  # a lane's tiers one after the other
    assert spans["one"][1] <= min(spans["left"][0], spans["right1"][0])  # stages one after the other
    assert max(spans["left"][1], spans["right2"][1]) <= spans["last"][0]
    # the lanes' output is printed whole, in the order of the stage, each tier under its heading
    out = proc.stdout
    order = ["=============== one", "=============== side by side: left | right1,right2", "=============== left",
             "output of left, line 1", "output of left, line 2", "=============== right1", "output of right1, line 2",
             "=============== right2", "=============== last", "=============== summary"]
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions), out
    summary = out.split("=============== summary", 1)[1].splitlines()
    assert [line.split()[:2] for line in summary[1:6]] == [
        ["one", "PASS"], ["left", "PASS"], ["right1", "PASS"], ["right2", "PASS"], ["last", "PASS"]], summary
    assert summary[6].split()[0] == "all" and summary[7] == "make test: all tiers passed", summary
    assert list(tmp_path.glob("osops-tiers.*")) == []  # its lane files removed


def test_a_failed_tier_fails_the_run_and_the_others_still_run(tmp_path):
    proc, spans = run(tmp_path, "bad1+ok1,bad2", "ok2")
    assert proc.returncode == 1
    assert set(spans) == {"bad1", "ok1", "bad2", "ok2"}  # nothing skipped after a failure
    assert "make test: FAILED: bad1 bad2" in proc.stdout, proc.stdout
    assert "  bad1            FAIL" in proc.stdout and "  ok2             PASS" in proc.stdout, proc.stdout


def test_no_stage_is_a_usage_error(tmp_path):
    proc, spans = run(tmp_path)
    assert proc.returncode == 2 and "no stage given" in proc.stderr and spans == {}


CGROUPS = Path("/sys/fs/cgroup/cpu")
CGROUP_MAKE = """#!/usr/bin/env bash
tier="$2"
echo "$tier $(grep -E '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:' /proc/self/cgroup | cut -d: -f3)" >> "$EVENTS"
sleep 0.3
"""


def run_cgroups(tmp_path: Path, cgroups: Path, *stages: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    proc, lines = run_with(tmp_path, CGROUP_MAKE, *stages, CPU_CGROUPS=str(cgroups))
    return proc, dict(line.split(" ", 1) for line in lines)


def test_a_low_lane_without_a_cgroup_runs_at_the_normal_weight_and_says_so(tmp_path):
    proc, groups = run_cgroups(tmp_path, tmp_path / "no-such-cgroups", "first+~second,third")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(groups) == {"first", "second", "third"}
    assert len(set(groups.values())) == 1  # all three where the runner itself is
    assert "no cgroup for a low CPU weight (needs root and " in proc.stdout and ": second third at the normal weight" in \
        proc.stdout, proc.stdout


@pytest.mark.skipif(not (os.geteuid() == 0 and os.access(CGROUPS, os.W_OK)),
                    reason="a cgroup of the cpu controller needs root and cgroup v1's /sys/fs/cgroup/cpu")
def test_a_low_lane_runs_in_a_cgroup_of_low_shares_removed_at_the_end(tmp_path):
    before = {p.name for p in CGROUPS.glob("osops-tiers-*")}
    proc, groups = run_cgroups(tmp_path, CGROUPS, "first+~second,third", "last")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (low,) = {groups["second"], groups["third"]}  # both tiers of the low lane in one cgroup
    assert low.startswith("/osops-tiers-"), groups
    assert groups["first"] != low and groups["last"] == groups["first"]  # the others where the runner is
    assert f"at a low CPU weight (cpu.shares 256 in {CGROUPS}{low}): second third" in proc.stdout, proc.stdout
    assert {p.name for p in CGROUPS.glob("osops-tiers-*")} == before  # the cgroup is gone
