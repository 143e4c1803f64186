# Shared pieces of the shell tests; sourced after `cd` to the repository root.
#   FL        the futurelm binary under test (FL_BUILD's, else ./futurelm)
#   T         a scratch folder removed on exit
#   ok/bad    print one TAP-like line (tests/run.sh counts them)
#   check NAME CONDITION     ok or not ok by a shell condition
#   json FILE EXPR           a JavaScript expression over the parsed JSON in FILE (j)
#   tiny_corpus VOCAB VAL_FRACTION   documents of the repository's own text ($T/docs), a
#             BPE of VOCAB tokens ($T/tok.tiktoken) and shards ($T/data)
#   train_tiny MODEL DATA VOCAB BLOCK STEPS N WHAT   train a 1-layer MODEL (gpt|ftp, N future
#             tokens) STEPS steps on DATA into $T/run-MODEL; ok/not ok "runs STEPS steps on WHAT"
#   refused NAME TEXT CMD...   CMD fails with a "futurelm: error:" line that contains TEXT
#   tiny_models [--set k=v ...]   tiny_corpus 400 0.2, then a GPT ($T/gpt) and an FTP
#             ($T/ftp, N=3 P=2 L_d=1) trained 6 steps with checkpoints at 3 and 6
FL=${FL_BUILD:-build/opt}/futurelm
[ -x "$FL" ] || FL=./futurelm
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# render_report HTML: headless Chromium loads the page and dumps its DOM into $T/dom, its console
# into $T/chrome.log; exits 1 (and renders nothing) where Chromium is not installed.
render_report() {
    _chrome=$(command -v chromium || command -v chromium-browser || true)
    [ -n "$_chrome" ] || return 1
    HOME=$T timeout 120 "$_chrome" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
        --dump-dom "file://$1" >"$T/dom" 2>"$T/chrome.log"
    return 0
}
# true when the rendering above logged no console error or failed load
render_clean() { ! grep -q "CONSOLE\|Uncaught\|Failed to load resource" "$T/chrome.log"; }
json() { node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const r=eval(process.argv[2]); process.stdout.write(String(r));' "$1" "$2"; }

tiny_corpus() {
    mkdir -p "$T/docs"
    _i=0
    for _f in README.md docs/*.md src/model/*.c src/infer/*.c src/eval/*/*.c; do
        _i=$((_i + 1))
        cp "$_f" "$T/docs/doc$_i.txt"
    done
    $FL tokenizer train --vocab-size "$1" --input "$T/docs" --out "$T/tok.tiktoken" >/dev/null 2>&1 &&
        $FL prepare --tokenizer "$T/tok.tiktoken" --input "$T/docs" --out "$T/data" --val-fraction "$2" >/dev/null 2>&1 ||
        { bad "prepare a test corpus"; exit 1; }
}

tiny_models() {
    tiny_corpus 400 0.2
    _small="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=2 --set model.n_head=2
            --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=2 --set train.max_steps=6
            --set train.eval_every=3 --set train.ckpt_every=3 --set train.eval_batches=2 --set train.lr=1e-2"
    $FL train --model gpt --data "$T/data" --out "$T/gpt" $_small "$@" >/dev/null 2>&1 &&
        $FL train --model ftp --data "$T/data" --out "$T/ftp" $_small --set ftp.n_future=3 --set ftp.pseudo_len=2 \
            --set ftp.dec_layers=1 "$@" >/dev/null 2>&1 || { bad "train two tiny models"; exit 1; }
}

train_tiny() {
    _m=$1 _d=$2 _v=$3 _b=$4 _s=$5 _n=$6 _what=$7
    _extra=""
    [ "$_m" = ftp ] && _extra="--set ftp.n_future=$_n --set ftp.pseudo_len=2 --set ftp.dec_layers=1"
    # shellcheck disable=SC2086
    if $FL train --model "$_m" --data "$_d" --out "$T/run-$_m" --set model.vocab_size="$_v" \
        --set model.block_size="$_b" --set model.n_layer=1 --set model.n_head=2 --set model.n_embd=32 \
        --set train.batch_size=4 --set train.warmup_steps=1 --set train.max_steps="$_s" --set train.eval_every="$_s" \
        --set train.eval_batches=1 --set train.threads=1 $_extra >"$T/log" 2>&1 &&
        grep -q "validation next-token loss" "$T/log"; then
        ok "futurelm train ($_m) runs $_s steps on $_what"
    else
        bad "futurelm train ($_m) runs $_s steps on $_what: $(tail -n 2 "$T/log")"
    fi
}

refused() { # name, expected text in the message, command...
    name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && grep -q "futurelm: error:.*$want" "$T/out"; then ok "$name"; else bad "$name (rc $rc: $(head -c 300 "$T/out"))"; fi
}
# torch_match NAME STEPS OURS THEIRS: "step loss" lines of our trainer (OURS) and of the PyTorch
# reference trainer (THEIRS, "step loss" too): ok when all STEPS steps agree within 1e-3 relative
# (tests/test_train_vs_torch.sh, tests/test_freeze.sh)
torch_match() {
    paste -d' ' "$3" "$4" | awk -v m="$1" -v n="$2" '
        { d = $2 - $4; if (d < 0) d = -d; r = d / $4; if (r > worst) { worst = r; at = $1 }; c++; last = $2 " vs " $4 }
        END {
            if (c == n && worst <= 1e-3)
                printf "ok - %s: %d training steps match PyTorch within 1e-3 relative (worst %.2g at step %d; final %s)\n", m, c, worst, at, last
            else
                printf "not ok - %s: %d of %d steps, worst relative difference %.3g at step %d\n", m, c, n, worst, at
        }'
}
