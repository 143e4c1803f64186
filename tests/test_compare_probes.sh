#!/bin/sh
# compare's topic probes on the user's own text (issue 20 point 6): --probe-data DIR
# (one folder a label) replaces the shipped sets for the probes and coherence's
# classifier, and the report names it and its labels; without it, a run whose data
# manifest lists none of the shipped sets' files gets a plain line saying their
# numbers would measure transfer, and the default skips them, while a run trained
# on a shipped set gets no such line and its probe; bad folders stop compare
# (exit 1) before anything is measured. The "shipped" sets here are stand-ins
# under a --data-root of our own, so no fetched corpus is needed.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
export OMP_NUM_THREADS=1

tiny_corpus 400 0.2
small="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=1 --set model.n_head=2
       --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=2 --set train.max_steps=3
       --set train.eval_every=3 --set train.ckpt_every=3 --set train.eval_batches=2"
ftp="--set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"
pair() { # data out: a GPT and an FTP run on data
    # shellcheck disable=SC2086
    $FL train --model gpt --data "$1" --out "$2/gpt" $small >"$T/log" 2>&1 &&
        $FL train --model ftp --data "$1" --out "$2/ftp" $small $ftp >"$T/log" 2>&1 ||
        { bad "train a pair on $1: $(tail -n 2 "$T/log")"; exit 1; }
}
# a stand-in for the shipped Brown set: labels.tsv + text/, this repository's prose and code
mkdir -p "$T/root/brown/text" "$T/rep"
printf 'file\tgenre\tcoarse\n' >"$T/root/brown/labels.tsv"
for f in README.md docs/*.md src/model/*.c src/eval/*/*.c; do
    n=$(echo "$f" | tr '/.' '__').txt
    cp "$f" "$T/root/brown/text/$n"
    case $f in *.md) g=prose ;; *) g=code ;; esac
    printf '%s\t%s\t%s\n' "$n" "$g" "$g" >>"$T/root/brown/labels.tsv"
done
# and for SpamAssassin: the same files as mails (no header block, kept whole), labelled by topic
mkdir -p "$T/root/spam-assassin"
cp -r "$T/root/brown/text" "$T/root/spam-assassin/text"
sed '1s/.*/file\tgroup\ttopic/' "$T/root/brown/labels.tsv" >"$T/root/spam-assassin/labels.tsv"
pair "$T/data" "$T/own" # trained on $T/docs: not the stand-ins' files
$FL prepare --tokenizer "$T/tok.tiktoken" --input "$T/root/brown/text" --out "$T/bdata" --val-fraction 0.2 >/dev/null 2>&1 ||
    bad "prepare the stand-in Brown as training data"
pair "$T/bdata" "$T/onbrown"
ok "trained a pair on a corpus of its own and one on the stand-in Brown"
quick="--windows 8 --bow-rows 0 --prompts 2 --max-gap 10 --data-root $T/root"

# ---- --probe-data: a hand-made folder of two labels
mkdir -p "$T/mine/markdown" "$T/mine/c source"
for f in README.md docs/*.md; do cp "$f" "$T/mine/markdown/$(basename "$f")"; done
for f in src/model/*.c; do cp "$f" "$T/mine/c source/$(basename "$f")"; done
"$FL" compare "$T/own/gpt" "$T/own/ftp" --report "$T/rep/mine.html" $quick --probe-data "$T/mine" >/dev/null 2>"$T/err"
check "--probe-data: compare runs to a report" '[ $? = 0 ] && [ -s "$T/rep/mine.json" ]' || cat "$T/err"
check "--probe-data: the probe reads the folder's labels (sorted), the shipped stand-in is not run, the JSON names the folder" \
    '[ "$(json "$T/rep/mine.json" "[Object.keys(j.ftp.probes).join(\"+\"), j.ftp.probes[\"probe-data\"].class_names.join(\"+\"),
        j.probe_data === \"$T/mine\", j.probe_sets_skipped].join()")" = "probe-data,c source+markdown,true,false" ]'
check "--probe-data: coherence's topic classifier is trained on it (agreement measured)" \
    '[ "$(json "$T/rep/mine.json" "[j.gpt.coherence.model.topic_agreement !== null, j.gpt.coherence.human.topic_agreement !== null].join()")" = "true,true" ]'
check "--probe-data: the page and stderr name the folder and its labels; the summary has its probe rows" \
    'grep -q "probe-data ($T/mine: c source, markdown)" "$T/rep/mine.html" &&
     grep -q "^futurelm: note: topic probes and coherence.s topic classifier use --probe-data $T/mine: 2 labels, .*c source ([0-9]*), markdown ([0-9]*)" "$T/err" &&
     [ "$(json "$T/rep/mine.json" "j.summary.filter((e) => e.metric.startsWith(\"topic probe probe-data\")).length")" = 2 ] &&
     ! grep -q "not part of this run" "$T/err"'

# ---- the default on a corpus of its own: the stand-in Brown is not among its inputs
"$FL" compare "$T/own/gpt" "$T/own/ftp" --report "$T/rep/own.html" $quick >/dev/null 2>"$T/err"
check "a run not trained on the shipped sets: stderr says their numbers would measure transfer and that they are skipped" \
    '[ $? = 0 ] && grep -q "^futurelm: note: topic probes would use Brown/SpamAssassin, which are not part of this run.s training data (none of the [0-9]* sources in .*manifest.json lies in $T/root/brown or $T/root/spam-assassin).*so compare skips them and coherence.s topic agreement; give --probe-data DIR" "$T/err"' ||
    cat "$T/err"
check "... and so do the JSON and the page; no probe was run, no topic agreement" \
    '[ "$(json "$T/rep/own.json" "[Object.keys(j.gpt.probes).length, j.probe_sets_skipped, j.probe_notes.length, /not part of this run.s training data/.test(j.probe_notes[0]),
        j.gpt.coherence.model.topic_agreement].join()")" = "0,true,1,true," ] &&
     grep -q "<b>Note:</b> topic probes would use Brown/SpamAssassin, which are not part of this run.s training data" "$T/rep/own.html"'
"$FL" compare "$T/own/gpt" "$T/own/ftp" --report "$T/rep/asked.html" $quick --datasets brown >/dev/null 2>"$T/err"
check "--datasets brown on that run: the probe runs, and the line says it measures transfer" \
    '[ $? = 0 ] && grep -q "^futurelm: note: topic probes use Brown, which is not part of this run.s training data.*measure transfer" "$T/err" &&
     [ "$(json "$T/rep/asked.json" "[j.gpt.probes.brown.classes, j.probe_sets_skipped].join()")" = "2,false" ]' || cat "$T/err"

# ---- a run trained on the stand-in: no such line, its probes run by default
"$FL" compare "$T/onbrown/gpt" "$T/onbrown/ftp" --report "$T/rep/brown.html" $quick >/dev/null 2>"$T/err"
check "a run trained on Brown: every default probe and agreement measured; only SpamAssassin, not trained on, has the transfer line" \
    '[ $? = 0 ] && [ "$(grep -c "not part of this run" "$T/err")" = 1 ] &&
     grep -q "^futurelm: note: topic probes use SpamAssassin, which is not part of this run.s training data.*measure transfer" "$T/err" &&
     [ "$(json "$T/rep/brown.json" "[Object.keys(j.gpt.probes).join(\"+\"), j.probe_notes.length, j.gpt.coherence.model.topic_agreement !== null].join()")" = "brown+brown-coarse+spam-assassin,1,true" ]' ||
    cat "$T/err"
"$FL" compare "$T/onbrown/gpt" "$T/onbrown/ftp" --report "$T/rep/brown2.html" $quick --datasets brown >/dev/null 2>"$T/err"
check "... and --datasets brown there: no note at all, on stderr or the page" \
    '[ $? = 0 ] && ! grep -q "note:" "$T/err" && ! grep -q "Note:" "$T/rep/brown2.html" &&
     [ "$(json "$T/rep/brown2.json" "[Object.keys(j.gpt.probes).join(), j.probe_notes.length].join()")" = "brown,0" ]' || cat "$T/err"

# a manifest whose sources were recorded relative to another directory: they do not resolve from
# here, and count by their last folders (brown/text/FILE)
fl_abs=$(cd "$(dirname "$FL")" && pwd)/$(basename "$FL")
(cd "$T/root" && "$fl_abs" prepare --tokenizer "$T/tok.tiktoken" --input brown/text --out "$T/reldata" --val-fraction 0.2) >/dev/null 2>&1 ||
    bad "prepare from relative paths"
pair "$T/reldata" "$T/rel"
"$FL" compare "$T/rel/gpt" "$T/rel/ftp" --report "$T/rep/rel.html" $quick --datasets brown >/dev/null 2>"$T/err"
check "sources recorded relative to another directory (brown/text/FILE) still count as Brown: no transfer line" \
    '[ $? = 0 ] && grep -q "\"path\": \"brown/text/" "$T/reldata/manifest.json" && ! grep -q "note:" "$T/err"' || cat "$T/err"

# ---- bad --probe-data folders: exit 1 before any model is measured, no report
bad_folder() { # name, message fragment
    "$FL" compare "$T/own/gpt" "$T/own/ftp" --report "$T/rep/bad.html" $quick --probe-data "$T/badp" >/dev/null 2>"$T/err"
    rc=$?
    if [ $rc = 1 ] && grep -q "^futurelm: error: .*$2" "$T/err" && ! grep -q "^compare: GPT" "$T/err" && [ ! -e "$T/rep/bad.html" ]; then
        ok "--probe-data refused: $1"
    else bad "--probe-data refused: $1 (rc $rc: $(cat "$T/err"))"; fi
}
bad_folder "a missing folder" "--probe-data $T/badp: not a folder"
mkdir -p "$T/badp/one"
for i in 1 2 3; do echo "text $i" >"$T/badp/one/$i.txt"; done
bad_folder "a single label" "1 label folder; a topic probe needs at least 2 labels"
mkdir -p "$T/badp/two"
bad_folder "an empty label folder" "label 'two' has 0 documents"
echo "x" >"$T/badp/two/a.txt" && echo "y" >"$T/badp/two/b.txt"
bad_folder "a label with too few documents" "label 'two' has 2 documents.*at least 3 files"
ln -s "$T/nowhere" "$T/badp/two/c.txt"
bad_folder "an unreadable file" "--probe-data: cannot open '$T/badp/two/c.txt'"
