#!/usr/bin/env bash
# Run the test tiers of `make test`, every one even when an earlier one failed, then print a summary
# with each tier's result and seconds and the whole run's wall time.
#
# Usage: tests/tools/run-tiers.sh STAGE...
#   A STAGE is one tier (`unit`), or lanes joined by `+` that run side by side, each lane being tiers
#   joined by `,` that run one after the other: `sanity+lint,changelog-lint,build-check` runs sanity
#   beside lint, changelog-lint and build-check. A lane's output is kept in a file and printed whole
#   once its stage ends, lanes in the order given, so the log reads as if they had run one by one.
#   Stages run one after the other. Each tier is `$MAKE <tier>` (MAKE defaults to make).
set -uo pipefail

MAKE="${MAKE:-make}"
if [ "$#" -eq 0 ]; then
    echo "run-tiers.sh: no stage given (usage: run-tiers.sh unit sanity+lint,changelog-lint ...)" >&2
    exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/osops-tiers.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
started=$(date +%s)

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

n=0
for stage in "$@"; do
    IFS='+' read -r -a lanes <<< "$stage"
    if [ "${#lanes[@]}" -eq 1 ]; then
        n=$((n + 1))
        lane "${lanes[0]}" "$WORK/results.$n"
        continue
    fi
    pids=()
    first=$((n + 1))
    for one in "${lanes[@]}"; do
        n=$((n + 1))
        lane "$one" "$WORK/results.$n" > "$WORK/output.$n" 2>&1 &
        pids+=("$!")
    done
    echo "=============== side by side: ${stage//+/ | }"
    wait "${pids[@]}"
    for ((i = first; i <= n; i++)); do
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
