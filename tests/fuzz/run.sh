#!/bin/sh
# Runs libFuzzer harnesses for a fixed time each (called by `make -f tests/fuzz/fuzz.mk run`).
#   FUZZ_DIR=build/fuzz sh tests/fuzz/run.sh SECONDS TARGET...
# Each TARGET (json, shard, ...) runs build/fuzz/fuzz_TARGET on its working corpus
# build/fuzz/corpus/TARGET (kept between runs, so coverage accumulates) plus the
# seeds of build/fuzz/seeds/TARGET when present, with a per-input time limit
# (-timeout: a hang is a failure), an RSS limit and leak detection. It prints one
# line per target with executions, executions/s and corpus size, and at the first
# crash, leak, timeout or out-of-memory prints the report's tail and the
# reproducer (build/fuzz/artifacts/TARGET/...) and exits 1.
#   FUZZ_KEEP_GOING=1  run the remaining targets after a failure (still exit 1)
#   FUZZ_TAP=1         print "ok - fuzz TARGET ..." / "not ok - ..." lines (tests/run.sh)
#   FUZZ_TIMEOUT, FUZZ_RSS_MB   per-input seconds (10) and memory limit (2048)
secs=${1:?usage: run.sh SECONDS TARGET...}
shift
dir=${FUZZ_DIR:-build/fuzz}
timeout_s=${FUZZ_TIMEOUT:-10}
rss=${FUZZ_RSS_MB:-2048}
# The harnesses read the repository's data/ (r50k_base) by relative path.
cd "$(dirname "$0")/../.." || exit 1
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
failed=0
for t in "$@"; do
    bin=$dir/fuzz_$t
    corpus=$dir/corpus/$t
    art=$dir/artifacts/$t
    log=$dir/logs/$t.log
    mkdir -p "$corpus" "$art" "$dir/logs"
    seeds=
    [ -d "$dir/seeds/$t" ] && seeds=$dir/seeds/$t
    dict=
    d=$t
    case $t in state_json | manifest | hf_config) d=json ;; esac # JSON files share the JSON dictionary
    [ -f "tests/fuzz/$d.dict" ] && dict=-dict=tests/fuzz/$d.dict
    # A scratch folder for the harnesses' files, removed even when a crash skips their cleanup.
    scratch=$(mktemp -d "${FUZZ_SCRATCH:-/dev/shm}/futurelm-fuzz-run.XXXXXX" 2>/dev/null || mktemp -d)
    # -close_fd_mask=1: the harness's stdout is noise; stderr keeps the sanitizer reports.
    FUZZ_TMPDIR=$scratch "$bin" -max_total_time="$secs" -timeout="$timeout_s" -rss_limit_mb="$rss" -detect_leaks=1 \
        -print_final_stats=1 -close_fd_mask=1 -artifact_prefix="$art/" $dict "$corpus" $seeds >"$log" 2>&1
    rc=$?
    rm -rf "$scratch"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    units=$(ls "$corpus" | wc -l)
    line="fuzz $t: ${execs:-0} executions in ${secs}s (${rate:-0}/s), corpus $units units"
    if [ "$rc" -eq 0 ]; then
        if [ -n "$FUZZ_TAP" ]; then echo "ok - $line"; else echo "$line"; fi
        continue
    fi
    kind=$(grep -aoE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+|runtime error|fuzz check failed' "$log" | head -n 1)
    repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [ -n "$FUZZ_TAP" ]; then echo "not ok - $line: ${kind:-exit status $rc}, reproducer ${repro:-none}"
    else echo "$line: FAILED (${kind:-exit status $rc}); reproducer ${repro:-none}; log $log"; fi
    # the report's first lines and the stack frames in our code, not libFuzzer's
    grep -aE 'ERROR:|SUMMARY:|runtime error|fuzz check failed|^ *#[0-9]+ .* in [A-Za-z_0-9]+ .*/(src|tests)/' "$log" |
        head -n 24 | cut -c 1-240 | sed 's/^/    /'
    echo "    reproduce: $bin $repro"
    failed=1
    [ -n "$FUZZ_KEEP_GOING" ] || exit 1
done
exit $failed
