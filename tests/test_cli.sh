#!/bin/sh
# The option parser (src/cli/args.c) as every subcommand uses it:
# --help exits 0 and lists the options; every usage error exits 2 with one
# "futurelm: error:" line naming the option, the value and what is allowed.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

# help CMD... : exits 0 and names each option in its --help
help() {
    cmd=$1
    shift
    $FL $cmd --help >"$T/help" 2>"$T/err"
    rc=$?
    missing=""
    for o in "$@"; do grep -q -- "$o" "$T/help" || missing="$missing $o"; done
    check "$cmd --help: exit 0, usage line, lists$missing" \
        '[ $rc = 0 ] && grep -q "^usage: futurelm $cmd" "$T/help" && [ -z "$missing" ] && [ ! -s "$T/err" ]'
}
help train --data --out --model --config --set --resume --init-from --steps
help generate --prompt --max-tokens --temperature --top-k --top-p --mode --draft --seed --json
help "tokenizer train" --vocab-size --input --out
help "tokenizer encode" --tokenizer --input --json --allow-special --files-from --binary
help "tokenizer decode" --tokenizer --input
help "tokenizer info" --tokenizer
help prepare --tokenizer --input --out --val-fraction --seed --shard-tokens
help bench --model --steps --threads --batch --gemm-reps --no-gemm --profile --config --set
help init --out --model --config --set
help info --json
help version
help "eval ppl" --data --windows --context --batch --json
help "eval offsets" --data --windows --json
help "eval smoothness" --data --windows --trace-window --json
help "eval probe" --dataset --data-root --chunk-len --json
help "eval coherence" --json
help "eval countdown" --data --specs --mode --json
help compare --report --target-loss --countdown-gpt --countdown-ftp --json
help "countdown generate" --n --out --seed --test --min-nums --max-nums --json
help "countdown check" --file --json
help "stargraph generate" --count --out --degree --path-len --nodes --test --seed --json
help "stargraph check" --file --nodes --json
help "stargraph eval" --data --file --max --threads --json
$FL --help >"$T/help" 2>&1
check "futurelm --help: exit 0, the map of subcommands" '[ $? = 0 ] && grep -q "^  generate " "$T/help" && grep -q "^  tokenizer " "$T/help"'
$FL help prepare >"$T/help" 2>&1
check "futurelm help prepare == prepare --help" '[ $? = 0 ] && grep -q "^usage: futurelm prepare" "$T/help"'
check "--help shows defaults from the library (generate's --repeat-window 64, prepare's --seed 1337)" \
    '$FL generate --help | grep -q -- "--repeat-window.*(default 64)" && $FL prepare --help | grep -q -- "--seed.*(default 1337)"'

# usage NAME PATTERN ARGS... : exit 2, a "futurelm: error:" line matching PATTERN, nothing on stdout
usage() {
    name=$1 pat=$2
    shift 2
    $FL "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc = 2 ] && grep -q "^futurelm: error: " "$T/err" && grep -q -- "$pat" "$T/err" && [ ! -s "$T/out" ]; then
        ok "$name"
    else
        bad "$name (rc $rc: $(head -c 300 "$T/err"))"
    fi
}
# each subcommand with a mistyped option and the option it should suggest
while read -r c typo want; do
    # shellcheck disable=SC2086
    usage "$c: unknown option, exit 2, with a suggestion" "unknown option --$typo; did you mean --$want?" \
        $(echo "$c" | tr _ ' ') --$typo
done <<'LIST'
train ouut out
generate jsno json
prepare ouut out
bench jsno json
tokenizer_train vocab-sise vocab-size
tokenizer_encode jsno json
tokenizer_decode tokenzier tokenizer
tokenizer_info tokenzier tokenizer
init ouut out
info jsno json
eval_ppl windwos windows
compare reprot report
countdown_generate ouut out
stargraph_generate cuont count
stargraph_eval thraeds threads
LIST
# every subcommand: an unknown option is a usage error, exit 2, named as unknown
for c in init train generate info tokenizer_train tokenizer_encode tokenizer_decode tokenizer_info prepare \
    countdown_generate countdown_check stargraph_generate stargraph_check stargraph_eval bench eval_ppl eval_offsets \
    eval_smoothness eval_probe eval_countdown eval_coherence compare version; do
    # shellcheck disable=SC2086
    usage "$c --bogus: unknown option, exit 2" "unknown option --bogus" $(echo "$c" | tr _ ' ') --bogus
done
usage "train --bogus: an unknown option (not 'needs a value'), exit 2" "unknown option --bogus (see futurelm train --help)" train --bogus
usage "version: an unknown option, exit 2" "unknown option --bogus" version --bogus
usage "train: unknown option names the near one" "did you mean --steps?" train --data d --out o --stesp 3
usage "generate: missing value" "--max-tokens needs a value" generate ckpt --max-tokens
usage "prepare: missing value" "--out needs a value" prepare --out
usage "bench: out of range" "--steps '0': need an integer in 1..1000000" bench --steps 0
usage "prepare: out of range" "--shard-tokens '0': need an integer in 1..100000000" prepare --shard-tokens 0
usage "prepare: a fraction out of range" "--val-fraction '1': need a number in \[0, 1)" prepare --val-fraction 1
usage "generate: not a number" "--temperature 'warm': need a number" generate ckpt --temperature warm
usage "bench: not a number" "--batch '8x': need an integer" bench --batch 8x
usage "prepare: a negative seed" "--seed '-1': need a non-negative integer" prepare --seed -1
usage "generate: a bad choice names the choices" "--mode 'fast': need ar, block or spec" generate ckpt --mode fast
usage "bench: a flag given a value" "--json takes no value" bench --json=yes
usage "train: a required option missing" "missing --out RUN_DIR" train --data d
usage "generate: no checkpoint" "missing CKPT" generate --max-tokens 3
usage "generate: two checkpoints" "unexpected argument 'b'" generate a b
usage "tokenizer: unknown action" "unknown tokenizer action 'encdoe'" tokenizer encdoe
usage "an unknown command, with a suggestion" "did you mean 'generate'" genrate
usage "tokenizer train: vocabulary below 257" "at least 257" tokenizer train --vocab-size 200 --input x --out y
# bench --set: both models take the shape (the JSON says so; 8 rows < C = 32, where the head's dW
# is larger than rows x vocab), a train.* key and a bad shape are
# refused before any timing
$FL bench --steps 1 --gemm-reps 1 --batch 1 --json --set model.vocab_size=300 --set model.n_layer=1 \
    --set model.n_embd=32 --set model.n_head=2 --set model.block_size=8 --set ftp.n_future=3 >"$T/bench.json" 2>"$T/err"
check "bench --set: the models run at the shape given" '[ $? = 0 ] && grep -q "\"T\":8," "$T/bench.json" &&
    grep -q "\"model\":\"gpt\",\"vocab_size\":300,\"n_embd\":32,\"n_layer\":1," "$T/bench.json" &&
    grep -q "\"model\":\"ftp\",\"vocab_size\":300,.*\"n_future\":3," "$T/bench.json"'
# MFU's peak also timed around each model's steps: the sweep's best product, and the second MFU from
# it (recomputed from the printed values, within their rounding: GFLOP/s to 0.01, MFU to 0.0001)
check "bench: the peak product timed again before and after each model's steps, and MFU against their mean" \
    'node -e "const j=JSON.parse(require(\"fs\").readFileSync(process.argv[1]));
      const ok=j.models.length===2&&j.models.every(m=>{const b=m.peak_before_gflops,a=m.peak_after_gflops,
        want=m.gflops/((b+a)/2),slack=want*(0.006/m.gflops+0.006/b+0.006/a)+6e-5;
        return b>0&&a>0&&Math.abs(m.mfu_alongside-want)<=slack;});
      process.exit(ok?0:1)" "$T/bench.json"'
$FL bench --set train.lr=1 >"$T/out" 2>"$T/err"
check "bench --set train.*: refused, naming the key" '[ $? = 1 ] && [ ! -s "$T/out" ] && grep -q "train.lr=1: bench takes model" "$T/err"'
$FL bench --set model.type=ftp >"$T/out" 2>"$T/err"
check "bench --set model.type: refused (--model chooses)" '[ $? = 1 ] && [ ! -s "$T/out" ] && grep -q "model.type=ftp" "$T/err"'
$FL bench --set model.n_layer=0 >"$T/out" 2>"$T/err"
check "bench: a bad shape refused before the SGEMM timings" '[ $? = 1 ] && [ ! -s "$T/out" ] && grep -q "model.n_layer" "$T/err"'
$FL bench --steps=0 >/dev/null 2>"$T/err"
check "--name=value is parsed like --name value" '[ $? = 2 ] && grep -q "steps '"'"'0'"'"'" "$T/err"'
