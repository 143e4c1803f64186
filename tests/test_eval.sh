#!/bin/sh
# futurelm eval and futurelm compare on tiny models trained for a few steps:
# every subcommand in text and JSON, the per-offset loss at k = 1 equal to the
# perplexity command's loss, and the bad inputs of issue 8 (a GPT checkpoint for
# an FTP-only mode, a dataset too small for the split, an empty prompt set, a
# text model on countdown): a `futurelm: error:` line, no partial output.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
export OMP_NUM_THREADS=1

# ---- a tiny corpus, tokenizer and two models (GPT and FTP with N = 3)
tiny_models

# ---- a labelled set in the layout of data/brown: prose (.md) vs code (.c)
mkdir -p "$T/root/brown/text"
printf 'file\tgenre\tcoarse\n' >"$T/root/brown/labels.tsv"
for f in README.md docs/*.md src/model/*.c src/eval/*/*.c src/infer/*.c; do
    n=$(echo "$f" | tr '/.' '__').txt
    cp "$f" "$T/root/brown/text/$n"
    case $f in *.md) g=prose ;; *) g=code ;; esac
    printf '%s\t%s\t%s\n' "$n" "$g" "$g" >>"$T/root/brown/labels.tsv"
done

# ---- --help on each subcommand
for s in ppl offsets smoothness probe countdown coherence; do
    "$FL" eval $s --help >"$T/help" 2>&1
    check "eval $s --help lists its options" '[ $? = 0 ] && grep -q "usage: futurelm eval $s" "$T/help" && grep -q -- "--json" "$T/help"'
done

# ---- ppl and offsets: per-offset k = 1 is the next-token loss
for m in gpt ftp; do
    "$FL" eval ppl "$T/$m" --windows 12 --json >"$T/ppl.json" 2>"$T/err" &&
        "$FL" eval offsets "$T/$m" --windows 12 --bow-rows 600 --train-windows 24 --json >"$T/off.json" 2>>"$T/err"
    check "$m: eval ppl and offsets run (12 windows)" '[ $? = 0 ] && [ ! -s "$T/err" ]'
    check "$m: offset k=1 cross-entropy == next-token loss of eval ppl" \
        '[ "$(node -e "const a=require(\"$T/ppl.json\"), b=require(\"$T/off.json\"); console.log(Math.abs(a.ppl.next_token_loss - b.offsets.offset_ce[0]) < 1e-4 && Math.abs(a.ppl.perplexity - Math.exp(a.ppl.next_token_loss)) < 1e-3)")" = true ]'
    n=$(json "$T/off.json" "j.offsets.offset_ce.length")
    [ $m = gpt ] && want=8 || want=3
    check "$m: $want offsets (GPT: --n-future default 8; FTP: its own N) and a bag-of-words probe" \
        '[ "$n" = $want ] && [ "$(json "$T/off.json" "j.offsets.bow_probe.test_rows > 0 && j.offsets.bow_probe.recall_at_n >= 0")" = true ]'
done
"$FL" eval offsets "$T/gpt" --windows 4 --n-future 3 --bow-rows 0 >"$T/out" 2>&1
check "gpt: --n-future 3 gives three offsets in text output" '[ $? = 0 ] && grep -c "^  k=" "$T/out" | grep -qx 3'

# ---- smoothness: one level per block plus the top, a trace of T-1 cosines
"$FL" eval smoothness "$T/ftp" --windows 8 --json >"$T/s.json" 2>"$T/err"
check "smoothness: 3 levels (2 blocks + top), 31-cosine traces, 8*31 pairs, cosines in [-1,1]" \
    '[ "$(json "$T/s.json" "const l=j.smoothness.levels; [l.length, l[2].level, l[2].trace.length, l[2].pairs, l.every(x=>x.mean<=1&&x.mean>=-1)].join()")" = "3,top,31,248,true" ]'
# centred: every level has a centred mean, std, 40-bin histogram of all 248 pairs and a
# 31-cosine trace, all in [-1, 1]; the mean-vector share in [0, 1]
check "smoothness: centred mean/std/histogram/trace and mean-vector share on every level, in range" \
    '[ "$(json "$T/s.json" "j.smoothness.levels.map(x => { const c = x.centred, in1 = (v) => typeof v === \"number\" && v >= -1 && v <= 1;
        return [in1(c.mean), c.std >= 0 && c.std <= 1, c.hist_lo.length, c.hist_counts.reduce((a, b) => a + b, 0), c.trace.length,
                c.trace.every(in1), c.mean_vector_share >= 0 && c.mean_vector_share <= 1].join(); }).join(\" \")")" = \
       "true,true,40,248,31,true,true true,true,40,248,31,true,true true,true,40,248,31,true,true" ]'
"$FL" eval smoothness "$T/gpt" --windows 8 >"$T/out" 2>&1
check "smoothness text output names every level, raw and centred" \
    'grep -q "top (ln_f)" "$T/out" && grep -q "block 1" "$T/out" && [ "$(grep -c "centred mean" "$T/out")" = 3 ] &&
     grep -q "histogram of the top level, centred" "$T/out"'

# ---- probe on the labelled set
"$FL" eval probe "$T/gpt" --dataset brown --data-root "$T/root" --chunk-len 32 --json >"$T/p.json" 2>"$T/err"
check "probe: mean, last and bag-of-words rows with 95% intervals" \
    '[ "$(json "$T/p.json" "const r=j.probe.result; [r.classes, r.mean_pool.ci_lo<=r.mean_pool.test_accuracy, r.last_pool.test_accuracy<=r.last_pool.ci_hi, r.bag_of_words.test_accuracy>=0].join()")" = "2,true,true,true" ]' ||
    cat "$T/err"

# ---- coherence, with the labelled set's topic classifier and without
"$FL" eval coherence "$T/ftp" --windows 40 --prompts 6 --data-root "$T/root" --dataset brown --json >"$T/c.json" 2>"$T/err"
check "coherence: model and human rows, topic agreement in [0,1]" \
    '[ "$(json "$T/c.json" "const c=j.coherence; [c.prompts, c.model.topic_agreement>=0 && c.model.topic_agreement<=1, c.human.tfidf_cosine>=0].join()")" = "6,true,true" ]' ||
    cat "$T/err"
"$FL" eval coherence "$T/gpt" --windows 40 --prompts 6 --dataset none --seed 3 --json >"$T/c1.json" 2>&1
"$FL" eval coherence "$T/gpt" --windows 40 --prompts 6 --dataset none --seed 3 --json >"$T/c2.json" 2>&1
check "coherence: same seed, same numbers; no classifier gives null agreement" \
    'cmp -s "$T/c1.json" "$T/c2.json" && [ "$(json "$T/c1.json" "j.coherence.model.topic_agreement")" = null ]'

# ---- countdown: a tiny model on countdown data
"$FL" countdown generate --n 600 --test 20 --out "$T/cd" >/dev/null 2>&1 &&
    "$FL" train --model gpt --data "$T/cd" --out "$T/cdgpt" --set model.vocab_size=18 --set model.block_size=32 \
        --set model.n_layer=1 --set model.n_head=2 --set model.n_embd=32 --set train.batch_size=4 \
        --set train.max_steps=4 --set train.eval_every=2 --set train.ckpt_every=2 --set train.eval_batches=1 \
        >/dev/null 2>&1 || bad "train a countdown model"
"$FL" eval countdown "$T/cdgpt" --json >"$T/cd.json" 2>"$T/err"
check "countdown: 20 specs, verdicts add up, interval around pass@1" \
    '[ "$(json "$T/cd.json" "const c=j.countdown, v=c.verdicts; [c.specs, v.pass+v.parse+v.numbers+v.stack+v.value, c.passed==v.pass, c.ci_lo<=c.pass_at_1 && c.pass_at_1<=c.ci_hi].join()")" = "20,20,true,true" ]' ||
    cat "$T/err"

# generate knows a countdown checkpoint from the tokenizer identity its run recorded (tasks/task.h),
# with no --tokenizer: the prompt is read as countdown words and the output is countdown words
"$FL" generate "$T/cdgpt" --prompt "nums 3 5 2 target 10 :" --max-tokens 6 >"$T/gen" 2>"$T/err"
check "generate: a countdown run is recognised from its recorded tokenizer; its words in and out" \
    '[ $? = 0 ] && grep -q "^nums 3 5 2 target 10 :" "$T/gen" &&
     [ -z "$(tr " " "\n" <"$T/gen" | grep -v -x -e "[0-9][0-9]*" -e "[-+*:.]" -e nums -e target -e "<|endoftext|>" -e "")" ]' ||
    cat "$T/err" "$T/gen"

# ---- bad input: a clear error, nothing on stdout
refuse() { # name, message fragment, args...
    name=$1 frag=$2
    shift 2
    "$FL" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -ne 0 ] && grep -q "futurelm: error:" "$T/err" && grep -q -- "$frag" "$T/err" && [ ! -s "$T/out" ]; then
        ok "refused: $name"
    else
        bad "refused: $name (rc $rc: $(cat "$T/err"))"
    fi
}
refuse "a GPT checkpoint for an FTP-only generation mode" "needs an FTP model" eval coherence "$T/gpt" --mode block --dataset none
refuse "--n-future on an FTP model that predicts another N" "ftp.n_future = 3" eval offsets "$T/ftp" --n-future 5
refuse "a text model on countdown specs" "countdown generate" eval countdown "$T/gpt" --specs "$T/cd/test_specs.txt"
refuse "a missing checkpoint" "nothing" eval ppl "$T/nothing"
refuse "an unknown subcommand" "unknown eval subcommand" eval perplexity "$T/gpt"
refuse "an option of another subcommand" "unknown option --dataset" eval ppl "$T/gpt" --dataset brown
refuse "windows 12x" "integer in" eval ppl "$T/gpt" --windows 12x

for args in "eval ppl $T/gpt --windows 12x" "eval ppl" "compare $T/gpt $T/ftp" "eval coherence $T/gpt --mode fast" "countdown generate --n 5"; do
    $FL $args >/dev/null 2>&1
    check "usage error exits 2: futurelm $args" '[ $? = 2 ]'
done
$FL eval ppl --help >/dev/null 2>&1 && $FL compare --help >/dev/null 2>&1 && $FL countdown check --help >/dev/null 2>&1
check "--help exits 0 (eval ppl, compare, countdown check)" '[ $? = 0 ]'
check "--help prints the library defaults (offsets' --bow-rows 20000, compare's --windows 64, coherence's --windows 0)" \
    '$FL eval offsets --help | grep -q -- "--bow-rows.*(default 20000)" && $FL compare --help | grep -q -- "--windows.*(default 64)" &&
     $FL eval coherence --help | grep -q -- "--windows.*(default 0)"'

# dataset too small: one prose document only
mkdir -p "$T/small/brown/text"
printf 'file\tgenre\tcoarse\n' >"$T/small/brown/labels.tsv"
for f in README.md src/model/model.c src/model/ftp.c src/model/trunk.c; do
    n=$(basename "$f").txt
    cp "$f" "$T/small/brown/text/$n"
    case $f in *.md) g=prose ;; *) g=code ;; esac
    printf '%s\t%s\t%s\n' "$n" "$g" "$g" >>"$T/small/brown/labels.tsv"
done
refuse "a dataset too small for the split, with counts" "class 'prose' has 1 document.*code 3, prose 1" \
    eval probe "$T/gpt" --dataset brown --data-root "$T/small" --chunk-len 32

# empty prompt set: every window crosses a document boundary (documents of a few tokens)
mkdir -p "$T/short"
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    echo "tiny doc $k" >"$T/short/d$k.txt"
done
$FL prepare --tokenizer "$T/tok.tiktoken" --input "$T/short" --out "$T/shortdata" --val-fraction 0.5 >/dev/null 2>&1
refuse "an empty prompt set after filtering" "no prompts left: all .* windows" \
    eval coherence "$T/ftp" --data "$T/shortdata" --dataset none

# ---- compare: a report at matched loss, with countdown runs, rendered by headless Chromium
"$FL" train --model ftp --data "$T/cd" --out "$T/cdftp" --set model.vocab_size=18 --set model.block_size=32 \
    --set model.n_layer=1 --set model.n_head=2 --set model.n_embd=32 --set train.batch_size=4 \
    --set train.max_steps=4 --set train.eval_every=2 --set train.ckpt_every=2 --set train.eval_batches=1 \
    --set ftp.n_future=3 \
    --set ftp.pseudo_len=2 --set ftp.dec_layers=1 >/dev/null 2>&1 || bad "train a countdown FTP model"
mkdir -p "$T/rep"
"$FL" compare "$T/gpt" "$T/ftp" --report "$T/rep/report.html" --windows 12 --bow-rows 400 --prompts 4 \
    --data-root "$T/root" --datasets brown --countdown-gpt "$T/cdgpt" --countdown-ftp "$T/cdftp" >"$T/out" 2>"$T/err"
check "compare: writes report.html and report.json, nothing else left in the folder" \
    '[ $? = 0 ] && [ "$(ls "$T/rep" | tr "\n" " ")" = "report.html report.json " ]' || cat "$T/err"
# The expected checkpoints follow from the logged losses (the corpus is this repository's own
# text, so the losses move when it changes): target = the larger of the two best losses, each
# run's checkpoint = the closest to it, ties to the later step.
picks() { node -e '
const fs = require("fs");
const val = (run) => fs.readFileSync(run + "/metrics.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l))
  .filter((r) => r.val_next_token_loss !== undefined);
const g = val(process.argv[1]), f = val(process.argv[2]);
const target = Math.max(Math.min(...g.map((r) => r.val_next_token_loss)), Math.min(...f.map((r) => r.val_next_token_loss)));
const pick = (rs) => rs.reduce((b, r) => (Math.abs(r.val_next_token_loss - target) <= Math.abs(b.val_next_token_loss - target) ? r : b)).step;
process.stdout.write([pick(g), pick(f)].join());' "$1" "$2"; }
expect=$(picks "$T/gpt" "$T/ftp")
cd_expect=$(picks "$T/cdgpt" "$T/cdftp")
check "compare: the checkpoints closest to the shared target ($expect) and the target in the JSON, metrics of every section" \
    '[ "$(json "$T/rep/report.json" "[j.target_loss>0, j.gpt.step, j.ftp.step, j.gpt.offsets.offset_ce.length, j.ftp.probes.brown.classes, j.ftp.countdown.result.specs, j.gpt.coherence.prompts].join()")" = "true,$expect,3,2,20,4" ]'
check "compare: the countdown runs matched on their own loss too: checkpoints closest to their target ($cd_expect)" \
    '[ "$(json "$T/rep/report.json" "[j.gpt.countdown.target_loss > 0, j.gpt.countdown.target_loss === j.ftp.countdown.target_loss, j.gpt.countdown.step, j.ftp.countdown.step].join()")" = "true,true,$cd_expect" ] &&
     grep -q "countdown runs are matched the same way" "$T/rep/report.html"'
check "compare: the page is self-contained (no script, no external resource) with inline SVG charts" \
    '[ "$(grep -c "<svg" "$T/rep/report.html")" -ge 12 ] && ! grep -qi "<script\|src=\|href=" "$T/rep/report.html"'
check "compare: centred smoothness in the JSON (both models, every level, in [-1, 1]) and on the page (charts, table)" \
    '[ "$(json "$T/rep/report.json" "[j.gpt, j.ftp].every((m) => m.smoothness.levels.every((x) => x.centred.mean >= -1 && x.centred.mean <= 1 && x.centred.mean_vector_share >= 0))")" = true ] &&
     grep -q "Mean centred adjacent cosine by level" "$T/rep/report.html" &&
     grep -q "Histogram of top-level centred adjacent cosines" "$T/rep/report.html" &&
     grep -q "<th>GPT centred</th>" "$T/rep/report.html" && [ "$(grep -c "^<tr><td>top</td>\|^<tr><td>block [0-9]" "$T/rep/report.html")" = 3 ]'
# One IDF default for both paths (issue 13: eval coherence counted 1024 train windows, compare 256):
# eval coherence on the checkpoint compare picked, with compare's options, gives compare's numbers.
ftp_ck=$(json "$T/rep/report.json" "j.ftp.checkpoint")
"$FL" eval coherence "$ftp_ck" --windows 12 --prompts 4 --data-root "$T/root" --json >"$T/coh_eval.json" 2>"$T/err"
check "coherence: eval coherence --json and compare give the same numbers for the same checkpoint and options" \
    '[ "$(node -e "const a=require(\"$T/coh_eval.json\").coherence, b=require(\"$T/rep/report.json\").ftp.coherence;
        console.log(JSON.stringify(a) === JSON.stringify(b) && a.prompts === 4 && a.model.topic_agreement !== null)")" = true ]' ||
    cat "$T/err"
"$FL" compare "$T/gpt" "$T/ftp" --report "$T/rep/t.html" --target-loss 5.9 --windows 4 --bow-rows 0 --prompts 2 \
    --datasets none >/dev/null 2>&1
check "compare --target-loss 5.9 picks the step-3 checkpoints" \
    '[ "$(json "$T/rep/t.json" "[j.target_loss, j.gpt.step, j.ftp.step].join()")" = "5.9,3,3" ]'
# "matched loss" is checked: a target no checkpoint comes near is warned about in the log, the
# JSON and the page, and with --refuse-gap it is an error and no report is written
"$FL" compare "$T/gpt" "$T/ftp" --report "$T/rep/gap.html" --target-loss 1.0 --windows 4 --bow-rows 0 --prompts 2 \
    --datasets none >/dev/null 2>"$T/gap.err"
check "compare warns when the closest checkpoints are far from the target, with the gap" \
    'grep -q "^futurelm: warning: .*nats from the target 1.0000" "$T/gap.err" && grep -q "Not at matched loss" "$T/rep/gap.html" &&
     [ "$(json "$T/rep/gap.json" "j.gpt.gap_warning && j.ftp.gap_warning && j.gpt.gap_to_target > 3")" = true ]'
"$FL" compare "$T/gpt" "$T/ftp" --report "$T/rep/gap2.html" --target-loss 1.0 --refuse-gap --windows 4 --bow-rows 0 \
    --prompts 2 --datasets none >/dev/null 2>"$T/gap.err"
rc=$?
check "compare --refuse-gap: a gap above --max-gap is an error naming the run, no report" \
    '[ $rc -eq 1 ] && grep -q "^futurelm: error: .*more than --max-gap 0.0500" "$T/gap.err" && [ ! -e "$T/rep/gap2.html" ]'

if render_report "$T/rep/report.html"; then
    check "headless Chromium renders the report without console errors" \
        '[ "$(grep -c "<svg" "$T/dom")" -ge 9 ] && render_clean' ||
        tail -n 5 "$T/chrome.log"
else
    echo "skip - headless Chromium is not installed (Debian package chromium; .ci/run installs it): report rendering not checked"
fi

refuse "compare with the runs swapped (FTP first)" "takes the GPT run first" \
    compare "$T/ftp" "$T/gpt" --report "$T/rep/bad.html" --datasets none
refuse "compare with a dataset too small, no report left" "too small" \
    compare "$T/gpt" "$T/ftp" --report "$T/rep/bad.html" --windows 4 --bow-rows 0 --prompts 2 --data-root "$T/small" --datasets brown
refuse "compare with an empty prompt set" "no coherence prompts" \
    compare "$T/gpt" "$T/ftp" --report "$T/rep/bad.html" --data "$T/shortdata" --datasets none
check "no partial report under the final name (nor temporary files) after the errors" \
    '[ ! -e "$T/rep/bad.html" ] && [ ! -e "$T/rep/bad.json" ] && [ -z "$(ls "$T/rep" | grep tmp)" ]'
refuse "compare without --report" "missing --report" compare "$T/gpt" "$T/ftp"
for v in 0 -1 abc; do
    refuse "compare --countdown-target-loss $v" "need a positive number\|need a number" \
        compare "$T/gpt" "$T/ftp" --report "$T/rep/bad.html" --countdown-target-loss "$v"
done
