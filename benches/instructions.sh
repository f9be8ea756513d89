#!/usr/bin/env bash
# The instruction-count gate: runs each case of benches/instructions.rs under callgrind with 0
# and with STEPS steps, and compares the instructions per step with benches/instructions.baseline.
# A count more than MARGIN_PCT percent above its baseline fails; one far below it is reported
# (update the baseline to keep the gain).
#
#   benches/instructions.sh            check against the baseline
#   benches/instructions.sh --update   write the counts measured now as the baseline
set -euo pipefail
cd "$(dirname "$0")/.."

MARGIN_PCT=10
STEPS=1000
baseline=benches/instructions.baseline

command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }

bin=$(cargo bench --no-run --bench instructions --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "instructions.sh: no bench binary built" >&2; exit 2; }

# Total instructions of one run (Ir of callgrind's summary).
count() {
    local out
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$1" "$2" >/dev/null 2>&1
    sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out"
    rm -f "$out"
}

cases=$("$bin" | sed -n 's/^cases: //p')
measured=$(mktemp)
for case in $cases; do
    zero=$(count "$case" 0)
    full=$(count "$case" "$STEPS")
    echo "$case $(( (full - zero) / STEPS ))" >>"$measured"
done

if [ "${1:-}" = "--update" ]; then
    {
        echo "# Instructions per step of each case of benches/instructions.rs (callgrind, $(rustc --version | cut -d' ' -f1-2))."
        echo "# Written by benches/instructions.sh --update; checked by .ci/run with a ${MARGIN_PCT}% margin."
        cat "$measured"
    } >"$baseline"
    cat "$measured"
    rm -f "$measured"
    echo "baseline written to $baseline"
    exit 0
fi

status=0
printf '%-36s %12s %12s %8s\n' case baseline now change
while read -r case now; do
    base=$(awk -v c="$case" '$1 == c { print $2 }' "$baseline" 2>/dev/null || true)
    if [ -z "$base" ]; then
        printf '%-36s %12s %12s %8s\n' "$case" "-" "$now" "new"
        echo "  no baseline for $case: run benches/instructions.sh --update" >&2
        status=1
        continue
    fi
    change=$(awk -v a="$base" -v b="$now" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }')
    printf '%-36s %12s %12s %8s\n' "$case" "$base" "$now" "$change"
    if [ "$now" -gt $(( base + base * MARGIN_PCT / 100 )) ]; then
        echo "  $case grew more than ${MARGIN_PCT}% over its baseline" >&2
        status=1
    elif [ "$now" -lt $(( base - base * MARGIN_PCT / 100 )) ]; then
        echo "  $case is more than ${MARGIN_PCT}% below its baseline: update it to keep the gain"
    fi
done <"$measured"
rm -f "$measured"
exit $status
