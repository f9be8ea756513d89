#!/usr/bin/env bash
# Line coverage of the crate's files by each fuzz target, over its committed seeds and the
# working corpus: what TESTING.md records.
#
#   fuzz/coverage.sh [TARGET...]
#
# Needs llvm-tools (rustup component add llvm-tools-preview --toolchain nightly). Builds each
# target with coverage instrumentation (cargo fuzz coverage), runs every input once, and
# prints llvm-cov's per-file summary for the files under src/ that the target is meant to
# exercise. The full report (every file, with regions and branches) is left in
# fuzz/coverage/TARGET/report.txt; `llvm-cov show` with the same arguments shows the lines.
set -euo pipefail
cd "$(dirname "$0")"

sysroot=$(rustc +nightly --print sysroot)
llvm_cov=$(find "$sysroot" -name llvm-cov -type f | head -1)
[ -x "$llvm_cov" ] || {
    echo "llvm-cov not found: rustup component add llvm-tools-preview --toolchain nightly"
    exit 1
}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

# The files each target is meant to exercise: a regular expression over paths under src/, as
# llvm-cov's report names them (relative to src/).
files_of() {
    case "$1" in
        challenge | challenge_http_auth) echo '^challenge/' ;;
        scope) echo '^scope\.rs$' ;;
        token) echo '^(token/|server_text\.rs$)' ;;
        docker_config) echo '^(docker_config/|(registry_name|credentials)\.rs$)' ;;
        cred_helper) echo '^(docker_config/|(cred_helper|registry_name)\.rs$)' ;;
        reference) echo '^(reference|registry_name)\.rs$' ;;
        machine | machine_misuse)
            echo '^(machine/|origin/|(internal_host|server_text|query|secret|credentials|error)\.rs$)' ;;
        *) echo '.' ;;
    esac
}

mkdir -p coverage
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "corpus-seed/$t"
    cargo +nightly fuzz coverage "$t" "corpus-seed/$t" "corpus/$t" >"coverage/$t.log" 2>&1
    binary=$(find target -path "*coverage*/release/$t" -type f | head -1)
    profile="coverage/$t/coverage.profdata"
    "$llvm_cov" report "$binary" -instr-profile="$profile" \
        -ignore-filename-regex='/(\.cargo|rustc|\.rustup)/|fuzz_targets' >"coverage/$t/report.txt"
    pattern=$(files_of "$t")
    echo "=== $t ($(find "corpus-seed/$t" -type f | wc -l) seeds, $(find "corpus/$t" -type f | wc -l) working inputs)"
    # Filename, then regions (3), functions (3), lines: total, missed, cover.
    awk -v pat="$pattern" '
        $1 ~ pat && $8 ~ /^[0-9]+$/ { printf "  src/%-32s lines %5s, missed %4s: %s\n", $1, $8, $9, $10
                   total += $8; missed += $9 }
        END { if (total) printf "  %-36s lines %5d, missed %4d: %.1f%%\n", "(these files)", total, missed, 100 * (total - missed) / total }
    ' "coverage/$t/report.txt"
done
