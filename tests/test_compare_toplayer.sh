#!/bin/sh
# futurelm compare's top-layer section (issue 18): the logit lens, neural collapse
# and head directions of each model, and CKA between each pair's GPT and FTP, are the
# numbers `futurelm eval lens|collapse|neurons|cka --json` gives on the same checkpoints
# and windows; the summary metrics are those numbers; the lens of the last block is
# each model's own next-token loss on the eval windows; over two seeds cka_mean is the
# mean of the pairs' matrices; the page has the lens chart and table, the NC table,
# the CKA heat map (a cell per level pair, a colour scale, axis labels) and the
# neuron table with escaped token text, and renders in headless Chromium;
# --no-toplayer leaves them out; results-table.js reads the version-3 JSON.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
export OMP_NUM_THREADS=1

tiny_corpus 400 0.2
small="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=2 --set model.n_head=2
       --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=2 --set train.eval_every=3
       --set train.ckpt_every=3 --set train.eval_batches=2 --set train.lr=1e-2 --set train.max_steps=6"
for s in 1 2; do
    # shellcheck disable=SC2086
    $FL train --model gpt --data "$T/data" --out "$T/g$s" $small --set train.seed=$s >"$T/log" 2>&1 &&
        $FL train --model ftp --data "$T/data" --out "$T/f$s" $small --set train.seed=$s --set ftp.n_future=3 \
            --set ftp.pseudo_len=2 --set ftp.dec_layers=1 >"$T/log" 2>&1 || { bad "train seed $s: $(tail -n 2 "$T/log")"; exit 1; }
done
ok "trained GPT and FTP, seeds 1 and 2"
quick="--windows 8 --bow-rows 0 --prompts 2 --datasets none --max-gap 1"

# ---- one pair: every instrument's object is eval's on the same checkpoint and windows
# shellcheck disable=SC2086
"$FL" compare "$T/g1" "$T/f1" --report "$T/r.html" $quick >"$T/out" 2>"$T/err"
check "compare: a report with the top-layer instruments (JSON version 3)" \
    '[ $? = 0 ] && [ "$(json "$T/r.json" "[j.version, typeof j.pairs[0].gpt.toplayer, typeof j.pairs[0].cka].join()")" = "3,object,object" ]' ||
    cat "$T/err"
gck=$(json "$T/r.json" "j.pairs[0].gpt.checkpoint") fck=$(json "$T/r.json" "j.pairs[0].ftp.checkpoint")
for m in gpt ftp; do
    ck=$gck
    [ $m = ftp ] && ck=$fck
    for s in lens collapse neurons; do
        "$FL" eval $s "$ck" --windows 8 --batch 8 --json >"$T/$m-$s.json" 2>"$T/err" || bad "eval $s $ck: $(cat "$T/err")"
    done
    check "$m: compare's lens, collapse and neurons are eval lens|collapse|neurons --json's, value for value" \
        '[ "$(node -e "const r=require(\"$T/r.json\").pairs[0].$m.toplayer, s=JSON.stringify;
            console.log([\"lens\", \"collapse\", \"neurons\"].every((k) => s(r[k]) === s(require(\"$T/$m-\" + k + \".json\")[k])))")" = true ]'
done
"$FL" eval cka "$gck" "$fck" --windows 8 --batch 8 --json >"$T/cka.json" 2>"$T/err" || bad "eval cka: $(cat "$T/err")"
check "the pair's CKA (GPT rows, FTP columns) is eval cka GPT FTP --json's; cka_mean of one seed is it" \
    '[ "$(node -e "const j=require(\"$T/r.json\"), e=require(\"$T/cka.json\").cka, s=JSON.stringify;
        console.log(s(j.pairs[0].cka) === s(e) && s(j.cka_mean.matrix) === s(e.matrix) && j.cka_mean.pairs === 1 && e.matrix.length === 3)")" = true ]'
# the lens of block L is each model's own next-token loss (GPT: the tied head; FTP: decoder step 0),
# as eval ppl measures it on the same 8 windows (every position: 256 < the default 4096)
check "the lens at block L is each model's own eval-window next-token loss (1e-5)" \
    '[ "$(json "$T/r.json" "const g=j.pairs[0].gpt, f=j.pairs[0].ftp, c=(a, b) => Math.abs(a - b) < 1e-5;
        [g.toplayer.lens.positions, c(g.toplayer.lens.loss[1], g.ppl.next_token_loss),
         c(f.toplayer.lens.decoder_step0.loss[1], f.ppl.next_token_loss)].join()")" = "256,true,true" ]'
check "summary: the lens by both paths per block, NC1-NC4 and the direction shares are the pair's own numbers" \
    '[ "$(json "$T/r.json" "const v=(n) => j.summary.find((e) => e.metric === n), g=j.pairs[0].gpt.toplayer, f=j.pairs[0].ftp.toplayer;
        [v(\"logit lens loss (tied head), block 1\").ftp.values[0] === f.lens.loss[0],
         v(\"logit lens loss (own next-token path), block 2\").ftp.values[0] === f.lens.decoder_step0.loss[1],
         v(\"logit lens loss (own next-token path), block 2\").gpt.values[0] === g.lens.loss[1],
         v(\"logit lens entropy (tied head), block 2\").gpt.values[0] === g.lens.entropy[1],
         v(\"neural collapse NC1 Tr(Sw Sb+)/K\").gpt.values[0] === g.collapse.nc1,
         v(\"neural collapse NC4 nearest-mean agreement\").ftp.values[0] === f.collapse.nc4,
         v(\"h_t variance share, principal direction 1\").gpt.values[0] === g.neurons.directions[0].share,
         j.summary.filter((e) => e.section === \"toplayer\").length].join()")" = "true,true,true,true,true,true,true,17" ]'

# ---- the page: section 6 with its numbers
f4() { json "$T/r.json" "Number($1).toFixed(4)"; }
row="<tr class=\"lens\"><td>block 2</td><td>$(f4 "j.pairs[0].gpt.toplayer.lens.loss[1]")</td><td>$(f4 "j.pairs[0].ftp.toplayer.lens.loss[1]")</td><td>$(f4 "j.pairs[0].ftp.toplayer.lens.decoder_step0.loss[1]")</td>"
check "page: section 6, the lens charts (loss and entropy, three curves) and table with the JSON's numbers" \
    'grep -q "<h2>6. Inside the top layer</h2>" "$T/r.html" && grep -qF "$row" "$T/r.html" &&
     grep -q "Logit lens loss by block" "$T/r.html" && grep -q "Logit lens entropy by block" "$T/r.html" &&
     grep -q "FTP (decoder step 0)" "$T/r.html"'
check "page: the NC table, NC1-NC4 with the JSON's values (n=1: no interval)" \
    'grep -qF "<td>NC1 Tr(Sw Sb+)/K</td><td>$(f4 "j.pairs[0].gpt.toplayer.collapse.nc1") (n=1" "$T/r.html" &&
     grep -qF "<td>NC3 self-duality</td><td>$(f4 "j.pairs[0].gpt.toplayer.collapse.nc3") (n=1" "$T/r.html" &&
     grep -q "<td>NC4 nearest-mean agreement</td>" "$T/r.html" && grep -q "<td>NC2 cosine std</td>" "$T/r.html"'
cells=$(awk "/Linear CKA, GPT levels x FTP levels/{f=1} f&&/<\\/svg>/{f=0} f" "$T/r.html" | grep -o "<rect class=\"cell\"" | wc -l)
check "page: the CKA heat map, 3 x 3 cells with each value in its tooltip, axis labels, a 0-1 colour scale" \
    '[ "$cells" = 9 ] && grep -qF "top / top: $(f4 "j.pairs[0].cka.matrix[2][2]")</title>" "$T/r.html" &&
     grep -qF "block 1 / top: $(f4 "j.pairs[0].cka.matrix[0][2]")</title>" "$T/r.html" &&
     grep -q ">GPT level</text>" "$T/r.html" && grep -q ">FTP level</text>" "$T/r.html" &&
     grep -q "<text class=\"scale\"[^>]*>0</text>" "$T/r.html" && grep -q "<text class=\"scale\"[^>]*>1</text>" "$T/r.html"'
# every token of FTP's first direction, escaped as the page escapes it (spaces and newlines shown)
esc='const e=(t) => "<code>" + t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/ /g, "&#x2423;").replace(/\n/g, "&#x21B5;").replace(/[\x00-\x08\x0b-\x1f]/g, "") + "</code> "'
check "page: the neuron tables, each direction's share and its + and - tokens, escaped" \
    '[ "$(node -e "$esc; const h=require(\"fs\").readFileSync(\"$T/r.html\", \"utf8\"), d=require(\"$T/r.json\").pairs[0].ftp.toplayer.neurons.directions[0];
        const ascii=(t) => /^[\x00-\x7f]*$/.test(t.text);
        console.log(h.includes(\"<tr><td>1</td><td>\" + d.share.toFixed(4) + \"</td><td style=\\\"text-align:left\\\">\" +
          (d.positive.every(ascii) ? d.positive.map((t) => e(t.text)).join(\"\") : \"\")) &&
          d.negative.filter(ascii).every((t) => h.includes(e(t.text))) && h.includes(\"<th>GPT direction</th>\"))")" = true ]'
check "page: token text never opens a tag (the corpus is C and Markdown: < and & are escaped)" \
    '! sed -n "/<table class=\"neurons\">/,/<\/table>/p" "$T/r.html" | sed "s/<[/]*\(table\|tr\|td\|th\|code\|span\)[^>]*>//g" | grep -q "[<>]"'
if render_report "$T/r.html"; then
    check "headless Chromium renders section 6 (heat map cells in the DOM) without console errors" \
        '[ "$(grep -o "class=\"cell\"" "$T/dom" | wc -l)" = 9 ] && grep -q "6. Inside the top layer" "$T/dom" && render_clean' ||
        tail -n 5 "$T/chrome.log"
else
    echo "skip - headless Chromium is not installed: section 6 rendering not checked"
fi
node scripts/results-table.js "$T/r.json" >"$T/results.md" 2>"$T/err"
check "results-table.js reads the version-3 JSON: the top-layer rows too" \
    '[ $? = 0 ] && grep -q "^| neural collapse NC1 Tr(Sw Sb+)/K | " "$T/results.md" && grep -q "^| logit lens loss (tied head), block 1 | " "$T/results.md"' ||
    cat "$T/err"

# ---- two seeds: every pair's matrix, their mean in cka_mean (to the 9 digits the JSON prints); the
# page's diagonal per seed
# shellcheck disable=SC2086
"$FL" compare --gpt "$T/g1" "$T/g2" --ftp "$T/f1" "$T/f2" --report "$T/two.html" $quick >/dev/null 2>"$T/err"
check "two seeds: cka_mean is the mean of the two pairs' matrices; the page lists the diagonal by seed" \
    '[ "$(json "$T/two.json" "const a=j.pairs[0].cka.matrix, b=j.pairs[1].cka.matrix;
        j.cka_mean.pairs === 2 && a[0][0] !== b[0][0] && j.cka_mean.matrix.every((r, i) => r.every((x, k) => Math.abs(x - (a[i][k] + b[i][k]) / 2) <= 2e-9 * Math.max(1, Math.abs(x))))")" = true ] &&
     grep -q "<th>seed 1</th><th>seed 2</th><th>mean</th>" "$T/two.html"' || cat "$T/err"

# ---- --no-toplayer: none of it, said on the page
# shellcheck disable=SC2086
"$FL" compare "$T/g1" "$T/f1" --report "$T/no.html" $quick --no-toplayer >/dev/null 2>"$T/err"
check "--no-toplayer: no toplayer or cka in the JSON, cka_mean null, no toplayer metrics, the page says so" \
    '[ $? = 0 ] && [ "$(json "$T/no.json" "[j.pairs[0].gpt.toplayer, j.pairs[0].cka, j.cka_mean, j.summary.some((e) => e.section === \"toplayer\")].join()")" = ",,,false" ] &&
     grep -q "Not measured (--no-toplayer)" "$T/no.html"'
"$FL" compare --help >"$T/help" 2>&1
check "compare --help lists --no-toplayer" 'grep -q -- "--no-toplayer" "$T/help"'
