#!/bin/sh
# futurelm compare over several seeds (issue 21): 2 seeds x 2 models of tiny runs;
# the JSON keeps every seed's value and the statistics follow from them (mean,
# t-interval with t_{0.975,1} = 12.7062, the paired difference and its sign count);
# the page draws every seed and renders; countdown pairs the same way; and the bad
# inputs: unequal run counts (exit 2), different encoders within a set or a pair (the
# runs and the key named), a seed that never reaches its target (dropped, or refused
# with --refuse-gap), no pair matched (all kept under a warning).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
export OMP_NUM_THREADS=1

tiny_corpus 400 0.2
small="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=2 --set model.n_head=2
       --set train.batch_size=4 --set train.warmup_steps=2 --set train.eval_every=3 --set train.ckpt_every=3
       --set train.eval_batches=2 --set train.lr=1e-2"
ftp="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"
train_run() { # out model steps extra...
    _o=$1 _m=$2 _s=$3
    shift 3
    # shellcheck disable=SC2086
    $FL train --model "$_m" --data "$T/data" --out "$T/$_o" $small --set train.max_steps="$_s" "$@" >"$T/log" 2>&1 ||
        { bad "train $_o: $(tail -n 2 "$T/log")"; exit 1; }
}
for s in 1 2; do
    train_run g$s gpt 6 --set model.n_embd=32 --set train.seed=$s
    train_run f$s ftp 6 --set model.n_embd=32 --set train.seed=$s $ftp
done
ok "trained GPT and FTP, seeds 1 and 2"
base="--windows 4 --bow-rows 0 --prompts 2 --datasets none"
quick="$base --max-gap 1"

# ---- two seeds: per-seed values, means, t-intervals and the paired difference
mkdir -p "$T/root/brown/text" "$T/rep"
printf 'file\tgenre\tcoarse\n' >"$T/root/brown/labels.tsv"
for f in README.md docs/*.md src/model/*.c src/eval/*/*.c src/infer/*.c; do
    n=$(echo "$f" | tr '/.' '__').txt
    cp "$f" "$T/root/brown/text/$n"
    case $f in *.md) g=prose ;; *) g=code ;; esac
    printf '%s\t%s\t%s\n' "$n" "$g" "$g" >>"$T/root/brown/labels.tsv"
done
# checkpoints every 3 steps of a 6-step run cannot meet a target to 0.05 nats: --max-gap 1 keeps both pairs
"$FL" compare --gpt "$T/g1" "$T/g2" --ftp "$T/f1" "$T/f2" --report "$T/rep/r.html" --windows 8 --bow-rows 300 \
    --prompts 3 --data-root "$T/root" --datasets brown --max-gap 1 >"$T/out" 2>"$T/err"
check "compare --gpt A B --ftp C D: a report and its JSON" '[ $? = 0 ] && [ -s "$T/rep/r.html" ] && [ -s "$T/rep/r.json" ]' ||
    cat "$T/err"
# every summary entry: two values per model (the pairs' own numbers), their mean, the
# interval mean +- 12.7062 s / sqrt 2, the difference's mean/interval and sign count (a tie within
# 1e-9 of the values, as seedstats.h defines it); to 1e-6 of
# the values' own scale, since the JSON prints 9 digits and a difference of two perplexities near
# 258 (an interval bound near 3.9) carries their rounding, times t = 12.7, not its own
stats='
const t1 = 12.706204736174707, close = (a, b, scale) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b), scale);
const st = (v) => { const m = (v[0] + v[1]) / 2, s = Math.abs(v[0] - v[1]) / Math.SQRT2; return [m, m - t1 * s / Math.SQRT2, m + t1 * s / Math.SQRT2]; };
const big = (v) => Math.max(...v.map(Math.abs));
const ok1 = (o, v, scale) => { const [m, lo, hi] = st(v); return o.n === 2 && close(o.mean, m, scale) && close(o.ci_lo, lo, scale) && close(o.ci_hi, hi, scale); };
j.summary.every((e) => e.gpt.values.length === 2 && e.ftp.values.length === 2 && ok1(e.gpt, e.gpt.values, big(e.gpt.values)) &&
  ok1(e.ftp, e.ftp.values, big(e.ftp.values)) &&
  ok1(e.ftp_minus_gpt, [0, 1].map((i) => e.ftp.values[i] - e.gpt.values[i]), big(e.gpt.values.concat(e.ftp.values))) &&
  e.ftp_minus_gpt.ftp_higher + e.ftp_minus_gpt.ftp_lower + e.ftp_minus_gpt.ties === 2 &&
  e.ftp_minus_gpt.ftp_higher === [0, 1].filter((i) => e.ftp.values[i] - e.gpt.values[i] >
    1e-9 * Math.max(Math.abs(e.ftp.values[i]), Math.abs(e.gpt.values[i]))).length)'
check "summary: per-seed values, mean, 95% t-interval (t 12.7062 for 2 seeds), paired difference and sign count" \
    '[ "$(json "$T/rep/r.json" "$stats")" = true ]'
check "summary values are the pairs' own numbers (eval-window loss, CE at k=2, top cosine, probe, coherence)" \
    '[ "$(json "$T/rep/r.json" "const v = (n) => j.summary.find((e) => e.metric === n);
        [0, 1].every((i) => { const p = j.pairs[i];
          return v(\"next-token loss on the eval windows\").gpt.values[i] === p.gpt.ppl.next_token_loss &&
            v(\"CE at offset k=2\").ftp.values[i] === p.ftp.offsets.offset_ce[1] &&
            v(\"adjacent cosine, top\").gpt.values[i] === p.gpt.smoothness.levels[2].mean &&
            v(\"topic probe brown, mean-pooled\").ftp.values[i] === p.ftp.probes.brown.mean_pool.test_accuracy &&
            v(\"coherence: TF-IDF cosine to the prompt\").gpt.values[i] === p.gpt.coherence.model.tfidf_cosine; })")" = true ]'
check "the seeds are different runs (train.seed): their losses differ; the pairs name their runs" \
    '[ "$(json "$T/rep/r.json" "[j.seeds, j.pairs_kept, j.pairs[0].gpt.run.endsWith(\"/g1\"), j.pairs[1].ftp.run.endsWith(\"/f2\"),
        j.pairs[0].gpt.ppl.next_token_loss !== j.pairs[1].gpt.ppl.next_token_loss].join()")" = "2,2,true,true,true" ]'
# Training FLOPs to the matched checkpoint, counted by hand for the runs above (B=4, T=32, C=32,
# V=400, 2 blocks). GPT a step: blocks 2 x (2*128*12*1024 + 4*32*4*528) = 6832128, head
# 2*128*32*400 = 3276800, forward 10108928, x3 = 30326784. FTP (N=3, P=2, 1 decoder layer, all
# 32 positions: R=128, RN=384) adds projection 524288, decoder 10223616, cross K/V 1048576,
# self-attention 98304, cross-attention 98304, head 9830400: forward 28655616, x3 = 85966848.
check "each side's training FLOPs to its matched checkpoint: step x the hand-counted FLOPs a step, and the summary row in TFLOPs" \
    '[ "$(json "$T/rep/r.json" "const p = j.pairs[1], row = j.summary.find((e) => e.metric === \"model TFLOPs of training to the matched checkpoint\");
        [p.gpt.train_flops === p.gpt.step * 30326784, p.ftp.train_flops === p.ftp.step * 85966848,
         Math.abs(row.ftp.values[1] - p.ftp.train_flops * 1e-12) < 1e-15].join()")" = "true,true,true" ]'
check "the JSON keeps version 1's fields (target_loss, gpt, ftp: the first pair)" \
    '[ "$(json "$T/rep/r.json" "j.gpt.step === j.pairs[0].gpt.step && j.target_loss === j.pairs[0].target_loss && j.ftp.offsets.offset_ce.length === 3")" = true ]'
check "the page: the summary table (mean [lo, hi], the difference, sign count), every seed drawn next to its mean" \
    'grep -q "<th>FTP &minus; GPT \[95% CI\]</th>" "$T/rep/r.html" && grep -q "FTP higher in [0-2] of 2" "$T/rep/r.html" &&
     [ "$(grep -o "<circle class=\"seed\"" "$T/rep/r.html" | wc -l)" -ge 40 ] && grep -q "<rect class=\"mean\"" "$T/rep/r.html" &&
     grep -q "GPT seed 2" "$T/rep/r.html" && ! grep -qi "<script\|src=\|href=" "$T/rep/r.html"'
# papercuts of issue 20: integer ticks on integer axes, coherence measures on their own axes, one level naming
# (validation points at steps 3 and 6: the old tick step for that span was 0.5)
check "the page: integer ticks on the step axis; three coherence charts with their direction; levels block 1, block 2, top" \
    '[ "$(awk "/Validation next-token loss/{f=1} f&&/<\\/svg>/{f=0} f" "$T/rep/r.html" | grep -o "y=\"269\" text-anchor=\"middle\">[^<]*<" |
         sed "s/.*>//; s/<//" | tr "\n" " ")" = "3 4 5 6 " ] &&
     grep -q "TF-IDF cosine to the prompt (higher" "$T/rep/r.html" && grep -q "higher = less drift" "$T/rep/r.html" &&
     grep -q "<td>adjacent cosine, block 1</td>" "$T/rep/r.html" && ! grep -q ">block L" "$T/rep/r.html"'
node scripts/results-table.js "$T/rep/r.json" >"$T/results.md" 2>"$T/err"
check "results-table.js: one row per metric with both means, intervals, the difference and the sign count, same names" \
    '[ $? = 0 ] && grep -q "^| adjacent cosine, block 1 | " "$T/results.md" && grep -q "FTP higher in [0-2] of 2" "$T/results.md" &&
     [ "$(grep -c "^| " "$T/results.md")" -ge "$(json "$T/rep/r.json" "j.summary.length + 1")" ]' || cat "$T/err"
if render_report "$T/rep/r.html"; then
    check "headless Chromium renders the multi-seed report (seed points in the DOM) without console errors" \
        '[ "$(grep -o "class=\"seed\"" "$T/dom" | wc -l)" -ge 40 ] && render_clean' ||
        tail -n 5 "$T/chrome.log"
else
    echo "skip - headless Chromium is not installed: multi-seed report rendering not checked"
fi

# ---- one seed: no interval, said so
# (--datasets none on this corpus of the repository's own text: no topic classifier either, since
# Brown is not part of its training data, so topic agreement has no value; every other metric has)
s_json() { json "$1" "const measured = (j) => j.summary.filter((e) => e.metric !== \"coherence: topic agreement\");
    j.summary.find((e) => e.metric === \"coherence: topic agreement\").gpt.n === 0 && ($2)"; }
"$FL" compare --gpt "$T/g1" --ftp "$T/f1" --report "$T/rep/one.html" $quick >/dev/null 2>&1
check "one seed: values and means, no interval (null in the JSON, said on the page)" \
    '[ "$(s_json "$T/rep/one.json" "measured(j).every((e) => e.gpt.n === 1 && e.gpt.ci_lo === null && e.ftp_minus_gpt.ci_hi === null && e.gpt.mean === e.gpt.values[0])")" = true ] &&
     grep -q "n=1: no interval" "$T/rep/one.html"'

# ---- countdown pairs: several runs the same way
"$FL" countdown generate --n 400 --test 10 --out "$T/cd" >/dev/null 2>&1 || bad "countdown generate"
cds="--set model.vocab_size=18 --set model.block_size=32 --set model.n_layer=1 --set model.n_head=2 --set model.n_embd=32
     --set train.batch_size=4 --set train.max_steps=4 --set train.eval_every=2 --set train.ckpt_every=2 --set train.eval_batches=1"
for s in 1 2; do
    # shellcheck disable=SC2086
    $FL train --model gpt --data "$T/cd" --out "$T/cg$s" $cds --set train.seed=$s >/dev/null 2>&1 &&
        $FL train --model ftp --data "$T/cd" --out "$T/cf$s" $cds --set train.seed=$s $ftp >/dev/null 2>&1 ||
        bad "train countdown seed $s"
done
"$FL" compare "$T/g1" "$T/f1" --report "$T/rep/cd.html" $quick --countdown-gpt "$T/cg1" "$T/cg2" \
    --countdown-ftp "$T/cf1" "$T/cf2" >/dev/null 2>"$T/err"
check "countdown: two pairs, each matched at its own target, pass@1 per seed in the summary" \
    '[ "$(json "$T/rep/cd.json" "const e = j.summary.find((m) => m.metric === \"countdown pass@1\");
        [j.countdown_seeds, j.countdown_pairs.length, e.gpt.values.length, e.gpt.values[1] === j.countdown_pairs[1].gpt.result.pass_at_1,
         j.countdown_pairs.every((p) => p.target_loss > 0), j.gpt.countdown.step > 0].join()")" = "2,2,2,true,true,true" ]' ||
    cat "$T/err"

# ---- bad input
usage() { # name, message fragment, args...: exit 2 with the message
    name=$1 frag=$2
    shift 2
    "$FL" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc = 2 ] && grep -q "futurelm: error:.*$frag" "$T/err"; then ok "exit 2: $name"; else bad "exit 2: $name (rc $rc: $(cat "$T/err"))"; fi
}
usage "unequal numbers of GPT and FTP runs" "2 GPT runs (--gpt) and 1 FTP runs" \
    compare --gpt "$T/g1" "$T/g2" --ftp "$T/f1" --report "$T/rep/bad.html"
usage "unequal numbers of countdown runs" "1 --countdown-gpt runs and 2 --countdown-ftp" \
    compare "$T/g1" "$T/f1" --report "$T/rep/bad.html" --countdown-gpt "$T/cg1" --countdown-ftp "$T/cf1" "$T/cf2"
usage "three positional runs" "the one-pair form is GPT_RUN FTP_RUN" compare "$T/g1" "$T/f1" "$T/f2" --report "$T/rep/bad.html"
usage "positional runs and --gpt" "not both" compare "$T/g1" "$T/f1" --gpt "$T/g2" --ftp "$T/f2" --report "$T/rep/bad.html"
usage "no runs" "no runs" compare --report "$T/rep/bad.html"

train_run g48 gpt 6 --set model.n_embd=48
train_run f48 ftp 6 --set model.n_embd=48 $ftp
train_run f4 ftp 6 --set model.n_embd=32 --set ftp.n_future=4 --set ftp.pseudo_len=2 --set ftp.dec_layers=1
refused "GPT runs of different encoders: both runs and model.n_embd named" "the GPT runs .*/g1 and .*/g48 differ in model.n_embd (32 and 48)" \
    "$FL" compare --gpt "$T/g1" "$T/g48" --ftp "$T/f1" "$T/f2" --report "$T/rep/bad.html" $quick
refused "FTP runs of different heads: ftp.n_future named" "the FTP runs .*/f1 and .*/f4 differ in ftp.n_future (3 and 4)" \
    "$FL" compare --gpt "$T/g1" "$T/g2" --ftp "$T/f1" "$T/f4" --report "$T/rep/bad.html" $quick
refused "a pair of different encoders" "the GPT and FTP runs .*/g1 and .*/f48 differ in model.n_embd" \
    "$FL" compare "$T/g1" "$T/f48" --report "$T/rep/bad.html" $quick
check "no report after the errors" '[ ! -e "$T/rep/bad.html" ] && [ ! -e "$T/rep/bad.json" ]'

# ---- a seed that never reaches the target: GPT seed 2 trained one step (loss near ln 400)
train_run gshort gpt 1 --set model.n_embd=32 --set train.eval_every=1 --set train.ckpt_every=1 --set train.seed=2
# the target and gap that pair 1 meets: the larger best of g1/f1, and a --max-gap just above its gaps
read -r target gap short <<EOF2
$(node -e '
const fs = require("fs");
const val = (r) => fs.readFileSync(r + "/metrics.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l))
  .filter((x) => x.val_next_token_loss !== undefined).map((x) => x.val_next_token_loss);
const [g, f, s] = process.argv.slice(1).map(val), t = Math.max(Math.min(...g), Math.min(...f));
const gap = (v) => Math.min(...v.map((x) => Math.abs(x - t)));
console.log(t.toFixed(6), (Math.max(gap(g), gap(f)) + 0.01).toFixed(6), (Math.min(...s) - t).toFixed(6));' "$T/g1" "$T/f1" "$T/gshort")
EOF2
check "the short run stays further from pair 1's target ($target) than the gap allowed ($gap): $short" \
    '[ "$(node -e "console.log($short > $gap)")" = true ]'
"$FL" compare --gpt "$T/g1" "$T/gshort" --ftp "$T/f1" "$T/f2" --target-loss "$target" --max-gap "$gap" \
    --report "$T/rep/drop.html" $base >/dev/null 2>"$T/err"
check "a seed short of the target: its pair is dropped, named with its best loss on stderr and in the report" \
    '[ $? = 0 ] && grep -q "^futurelm: warning: .*/gshort: its closest checkpoint (val loss [0-9.]*; best [0-9.]*) is .* of pair 2, .*left out of the statistics" "$T/err" &&
     grep -q "Left out:</b> text seed 2: the GPT checkpoint" "$T/rep/drop.html" &&
     [ "$(s_json "$T/rep/drop.json" "[j.pairs_kept, j.pairs[1].dropped, j.pairs[0].dropped, j.pairs[1].gpt.best_val_next_token_loss > 0,
          measured(j).every((e) => e.gpt.n === 1 && e.gpt.values[1] === null)].join()")" = "1,true,false,true,true" ]' || cat "$T/err"
"$FL" compare --gpt "$T/g1" "$T/gshort" --ftp "$T/f1" "$T/f2" --target-loss "$target" --max-gap "$gap" --refuse-gap \
    --report "$T/rep/bad.html" $base >/dev/null 2>"$T/err"
rc=$?
check "--refuse-gap: the same seed stops compare (exit 1), naming the run and its best loss, no report" \
    '[ $rc = 1 ] && grep -q "^futurelm: error: .*/gshort: its closest checkpoint .*best [0-9.]*).*more than --max-gap" "$T/err" && [ ! -e "$T/rep/bad.html" ]'
"$FL" compare --gpt "$T/g1" "$T/g2" --ftp "$T/f1" "$T/f2" --target-loss 1.0 --report "$T/rep/none.html" $base \
    >/dev/null 2>"$T/err"
check "no pair at matched loss: every pair kept, warned, the page says not matched" \
    '[ $? = 0 ] && grep -q "no pair is at matched loss" "$T/err" && grep -q "Not at matched loss" "$T/rep/none.html" &&
     [ "$(json "$T/rep/none.json" "[j.pairs_kept, j.pairs.every((p) => !p.dropped && p.gpt.gap_warning)].join()")" = "2,true" ]'

# ---- --threads: a default of 1, with the reason in --help
"$FL" compare --help >"$T/help" 2>&1
check "--help: --threads (default 1) says why; --gpt/--ftp listed" \
    'grep -q -- "--threads N" "$T/help" && grep -q "3-27x slower.*(default 1)" "$T/help" && grep -q -- "--gpt RUN" "$T/help"'
"$FL" compare "$T/g1" "$T/f1" --threads 2 --report "$T/rep/t2.html" $quick >/dev/null 2>&1
check "--threads 2 runs to a report" '[ $? = 0 ] && [ -s "$T/rep/t2.json" ]'
