#!/usr/bin/env bash
# Run the test tiers of `make test`, every one even when an earlier one failed, then print a summary
# with each tier's result and seconds and the whole run's wall time.
#
# Usage: tests/tools/run-tiers.sh STAGE...
#   A STAGE is one tier (`unit`), or lanes joined by `+` that run side by side, each lane being tiers
#   joined by `,` that run one after the other: `sanity+lint,changelog-lint,build-check` runs sanity
#   beside lint, changelog-lint and build-check. Stages run one after the other. Each tier is
#   `$MAKE <tier>` (MAKE defaults to make).
#
#   In a stage of several lanes, the first lane's output is printed as it comes; each other lane's is
#   kept in a file and printed whole once the stage ends, in the order given.
#
#   A lane written `~tiers` runs at a low CPU weight: in a cgroup of its own (cgroup v1's cpu
#   controller, cpu.shares $LOW_SHARES against 1024 for everything else), so that it uses the CPU the
#   other lanes leave idle and takes little from them when they want it all. Where no such cgroup can
#   be made (not root, no cgroup v1 cpu controller), it runs at the normal weight, and says so. The
#   weight is low, not nil: the lane's tests always progress, but late when the others want all the
#   CPU - keep tests that time real requests out of such a lane.
set -uo pipefail

MAKE="${MAKE:-make}"
LOW_SHARES="${LOW_SHARES:-256}"
CPU_CGROUPS="${CPU_CGROUPS:-/sys/fs/cgroup/cpu}"
if [ "$#" -eq 0 ]; then
    echo "run-tiers.sh: no stage given (usage: run-tiers.sh unit sanity+lint,changelog-lint ...)" >&2
    exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/osops-tiers.XXXXXX")"
CGROUP=""
cleanup() {
    if [ -n "$CGROUP" ] && [ "$CGROUP" != none ]; then
        # whatever a low lane left running goes back to the root group, so that the group can go
        while read -r pid; do echo "$pid" > "$CPU_CGROUPS/cgroup.procs" 2>/dev/null; done < "$CGROUP/cgroup.procs"
        rmdir "$CGROUP" 2>/dev/null || echo "run-tiers.sh: could not remove the cgroup $CGROUP" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
started=$(date +%s)

# The cgroup of the low lanes, made once, before the first low lane starts: CGROUP is its path, or
# "none" when none can be made.
low_cgroup() {
    [ -z "$CGROUP" ] || return 0
    local dir="$CPU_CGROUPS/osops-tiers-$$"
    if [ -w "$CPU_CGROUPS" ] && mkdir "$dir" 2>/dev/null && echo "$LOW_SHARES" > "$dir/cpu.shares" 2>/dev/null; then
        CGROUP="$dir"
    else
        rmdir "$dir" 2>/dev/null
        CGROUP="none"
    fi
}

# One lane: its tiers in order; "<tier> <PASS|FAIL> <seconds>" per tier into $2.
lane() {
    local tiers="$1" results="$2" tier start result
    for tier in ${tiers//,/ }; do
        echo "=============== $tier"
        start=$(date +%s)
        if $MAKE --no-print-directory "$tier"; then result=PASS; else result=FAIL; fi
        echo "$tier $result $(( $(date +%s) - start ))" >> "$results"
    done
}

# A lane at a low CPU weight: this subshell joins the cgroup first, and every process it starts is in it.
low_lane() {
    if [ "$CGROUP" != none ] && echo "$BASHPID" > "$CGROUP/cgroup.procs"; then
        echo "=============== at a low CPU weight (cpu.shares $LOW_SHARES in $CGROUP): ${1//,/ }"
    else
        echo "=============== no cgroup for a low CPU weight (needs root and $CPU_CGROUPS): ${1//,/ } at the normal weight"
    fi
    lane "$@"
}

n=0
for stage in "$@"; do
    IFS='+' read -r -a lanes <<< "$stage"
    if [ "${#lanes[@]}" -eq 1 ] && [ "${lanes[0]#\~}" = "${lanes[0]}" ]; then
        n=$((n + 1))
        lane "${lanes[0]}" "$WORK/results.$n"
        continue
    fi
    for one in "${lanes[@]}"; do
        [ "${one#\~}" = "$one" ] || low_cgroup  # made here, not in a lane's subshell
    done
    pids=()
    first=$((n + 1))
    echo "=============== side by side: ${stage//+/ | }"
    for one in "${lanes[@]}"; do
        n=$((n + 1))
        run=lane
        if [ "${one#\~}" != "$one" ]; then
            run=low_lane
            one="${one#\~}"
        fi
        if [ "$n" -eq "$first" ]; then
            $run "$one" "$WORK/results.$n" &
        else
            $run "$one" "$WORK/results.$n" > "$WORK/output.$n" 2>&1 &
        fi
        pids+=("$!")
    done
    wait "${pids[@]}"
    for ((i = first + 1; i <= n; i++)); do
        cat "$WORK/output.$i"
    done
done

failed=""
echo "=============== summary"
for ((i = 1; i <= n; i++)); do
    [ -f "$WORK/results.$i" ] || continue
    while read -r tier result seconds; do
        printf '  %-15s %s %5ss\n' "$tier" "$result" "$seconds"
        [ "$result" = PASS ] || failed="$failed $tier"
    done < "$WORK/results.$i"
done
printf '  %-15s %5ss (wall)\n' "all" "$(( $(date +%s) - started ))"
if [ -n "$failed" ]; then
    echo "make test: FAILED:$failed"
    exit 1
fi
echo "make test: all tiers passed"
