#!/usr/bin/env bash
# A fuzz campaign: every target (or those named), one at a time, for SECONDS each.
#
#   fuzz/run.sh [--no-merge] SECONDS [TARGET...]
#
# Each target starts from its committed seeds (fuzz/corpus-seed/TARGET) and the campaign's
# working corpus (fuzz/corpus/TARGET, git-ignored, where new inputs go), with its grammar's
# dictionary (fuzz/dict/). Afterwards, what the run found that the seeds do not cover is
# merged into the committed seeds (libFuzzer's -merge=1: only inputs that add coverage, at
# most MAX_NEW of them per target and run, each at most MAX_LEN bytes; past MAX_SEEDS files the
# seeds are minimised again, the hand-made ones kept), unless --no-merge
# (CI's smoke run) says to leave the repository as it is. A crash does not stop the
# campaign: the next target runs, the crash is listed at the end, and the exit status is 1.
#
# Logs: fuzz/target/campaign/TARGET.log. Artifacts (inputs that failed):
# fuzz/artifacts/TARGET/. One target runs at a time, on one core.
set -uo pipefail
cd "$(dirname "$0")"

merge=1
if [ "${1:-}" = "--no-merge" ]; then
    merge=0
    shift
fi
seconds=${1:?usage: fuzz/run.sh [--no-merge] SECONDS [TARGET...]}
shift
MAX_NEW=${MAX_NEW:-60}
MAX_SEEDS=${MAX_SEEDS:-400}
MAX_LEN=${MAX_LEN:-4096}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# The dictionary of each target's grammar.
dict_of() {
    case "$1" in
        challenge | challenge_http_auth) echo dict/challenge.dict ;;
        machine | machine_misuse) echo dict/machine.dict ;;
        *) echo "dict/$1.dict" ;;
    esac
}

cargo +nightly fuzz build || exit 1

mkdir -p target/campaign
summary=()
failed=0
for t in "${targets[@]}"; do
    log="target/campaign/$t.log"
    mkdir -p "corpus/$t" "corpus-seed/$t"
    args=(-max_total_time="$seconds" -print_final_stats=1 -max_len="$MAX_LEN")
    dict=$(dict_of "$t")
    [ -f "$dict" ] && args+=(-dict="$dict")
    before=$(find "corpus-seed/$t" -type f | wc -l)
    echo "=== $t: ${seconds}s from $before seeds and $(find "corpus/$t" -type f | wc -l) inputs of the working corpus"
    cargo +nightly fuzz run "$t" "corpus/$t" "corpus-seed/$t" -- "${args[@]}" >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crash=$(grep -E -m1 "Test unit written to|deadly signal|panicked at" "$log")
    if [ $status -ne 0 ] || [ -n "$crash" ]; then
        failed=1
        summary+=("$t: ${execs:-?} executions, FAILED (exit $status): ${crash:-see $log}")
        echo "--- $t failed; the end of its log:"
        tail -40 "$log"
        continue
    fi
    added=0
    if [ $merge -eq 1 ]; then
        # Into a scratch copy first: only the inputs that add coverage, then at most MAX_NEW
        # of them (the smallest), so one run cannot flood the repository.
        scratch=$(mktemp -d)
        cp "corpus-seed/$t"/* "$scratch"/ 2>/dev/null
        cargo +nightly fuzz run "$t" "$scratch" "corpus/$t" -- -merge=1 -max_len="$MAX_LEN" \
            >>"$log" 2>&1
        new=()
        for f in "$scratch"/*; do
            [ -e "corpus-seed/$t/${f##*/}" ] || new+=("$f")
        done
        if [ ${#new[@]} -gt 0 ]; then
            while read -r f; do
                cp "$f" "corpus-seed/$t/"
                added=$((added + 1))
            done < <(ls -S -r "${new[@]}" | head -n "$MAX_NEW")
        fi
        rm -rf "$scratch"
        if [ "$(find "corpus-seed/$t" -type f | wc -l)" -gt "$MAX_SEEDS" ]; then
            # Too many: the hand-made seeds, and of the rest only what adds coverage to them.
            scratch=$(mktemp -d)
            cp "corpus-seed/$t"/hand-* "$scratch"/ 2>/dev/null
            cargo +nightly fuzz run "$t" "$scratch" "corpus-seed/$t" -- -merge=1 \
                -max_len="$MAX_LEN" >>"$log" 2>&1 &&
                rm -rf "corpus-seed/$t" && mv "$scratch" "corpus-seed/$t"
            rm -rf "$scratch"
        fi
    fi
    now=$(find "corpus-seed/$t" -type f | wc -l)
    summary+=("$t: ${execs:-?} executions, no crash; $added new seeds, $now in all")
done

echo
echo "=== campaign of ${seconds}s per target"
printf '%s\n' "${summary[@]}"
exit $failed
