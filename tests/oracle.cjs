// Tokenizer oracle: compares futurelm's ids with tiktoken's own Rust encoder (npm
// tiktoken, WebAssembly). Used by tests/test_tokenizer_oracle.sh; prints TAP-like lines.
//
//   node tests/oracle.cjs compare DATA RANKS NAME LIST BIN
//       LIST: files, one a line; BIN: futurelm's ids for them (per file: int32 n, n int32).
//       Prints one "ok - NAME ..." or "not ok - NAME: ..." line.
//   node tests/oracle.cjs testplans DATA OUTDIR
//       Writes each r50k_base sample of gpt-tokenizer's TestPlans.txt to OUTDIR/NNN.txt,
//       OUTDIR/list and OUTDIR/expected.json (the published ids).
//   node tests/oracle.cjs mkinvalid LIST N OUTDIR
//       Writes N files that are not valid UTF-8 (Latin-1 bytes of the first N texts of LIST,
//       with stray bytes inserted) to OUTDIR and their names to OUTDIR/list.
//   node tests/oracle.cjs replaced LIST OUTDIR
//       Writes each file of LIST decoded as UTF-8 with U+FFFD replacement (what a JavaScript
//       caller hands tiktoken) to OUTDIR and their names to OUTDIR/list.
//   node tests/oracle.cjs mklong OUTDIR
//       Writes 40 files of very long pre-token pieces to OUTDIR and OUTDIR/list.
//   node tests/oracle.cjs mkunicode N SEED OUTDIR
//       Writes N generated texts covering every Unicode general category and all C0/C1
//       controls to OUTDIR and OUTDIR/list (the differential test of the pre-tokenizer).
//   node tests/oracle.cjs check-plans DATA OUTDIR BIN
//       Compares futurelm's ids of the samples with the published ids and with tiktoken.
"use strict";
const fs = require("fs");
const path = require("path");

const PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function loadTiktoken(data, ranksPath) {
  const tk = require(path.resolve(data, "tiktoken/package/tiktoken.cjs"));
  const ranks = fs.readFileSync(ranksPath, "utf8");
  let special = null;
  const side = ranksPath + ".json";
  if (fs.existsSync(side)) {
    const j = JSON.parse(fs.readFileSync(side, "utf8"));
    if (j.pattern !== PATTERN) throw new Error("unexpected pattern in " + side);
    special = j.special_tokens;
  } else {
    let max = -1;
    for (const line of ranks.split("\n")) if (line) max = Math.max(max, +line.split(" ")[1]);
    special = { "<|endoftext|>": max + 1 };
  }
  return new tk.Tiktoken(ranks, special, PATTERN);
}

function readBin(bin) {
  const buf = fs.readFileSync(bin);
  const out = [];
  for (let o = 0; o < buf.length;) {
    const n = buf.readInt32LE(o);
    o += 4;
    out.push(new Int32Array(buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + 4 * n)));
    o += 4 * n;
  }
  return out;
}

function firstDiff(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

// ignoreBOM keeps a leading U+FEFF in the text (by default the decoder drops it, and
// tiktoken would then be handed a different text from the bytes futurelm encoded).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function compare(data, ranksPath, name, list, bin) {
  const enc = loadTiktoken(data, ranksPath);
  const files = fs.readFileSync(list, "utf8").split("\n").filter((l) => l);
  const ours = readBin(bin);
  if (ours.length !== files.length) {
    console.log(`not ok - ${name}: futurelm encoded ${ours.length} files, the list has ${files.length}`);
    return;
  }
  let tokens = 0, bytes = 0, invalid = 0, fffd = 0, bad = [];
  const t0 = Date.now();
  for (let i = 0; i < files.length; i++) {
    const raw = fs.readFileSync(files[i]);
    bytes += raw.length;
    let text;
    try {
      text = utf8.decode(raw);
    } catch (e) {
      invalid++; // not UTF-8: JavaScript cannot hand tiktoken these bytes; round-trip is checked instead
      continue;
    }
    if (text.includes("\ufffd")) fffd++;
    const theirs = enc.encode_ordinary(text);
    tokens += theirs.length;
    const d = firstDiff(ours[i], theirs);
    if (d >= 0) bad.push(`${files[i]} (first difference at token ${d}: futurelm ${ours[i][d]}, tiktoken ${theirs[d]})`);
  }
  enc.free();
  const secs = (Date.now() - t0) / 1000;
  const what = `${files.length - invalid} files, ${tokens} tokens, ${(bytes / 1e6).toFixed(1)} MB` +
    (invalid ? `; ${invalid} files not UTF-8 (round-trip only)` : "; all files valid UTF-8") +
    (fffd ? `, ${fffd} contain U+FFFD` : "") + `; tiktoken ${secs.toFixed(1)} s`;
  if (bad.length === 0) console.log(`ok - ${name}: ids equal tiktoken's token for token (${what})`);
  else console.log(`not ok - ${name}: ${bad.length} files differ (${what}); e.g. ${bad.slice(0, 3).join("; ")}`);
}

function parsePlans(data) {
  const txt = fs.readFileSync(path.join(data, "gpt-tokenizer/TestPlans.txt"), "utf8");
  const plans = [];
  for (const block of txt.split(/\n\n(?=EncodingName:)/)) {
    const m = block.match(/^EncodingName: (\S+)\nSample: ([\s\S]*)\nEncoded: (\[[^\]]*\])/);
    if (m && m[1] === "r50k_base") plans.push({ sample: m[2], expected: JSON.parse(m[3]) });
  }
  return plans;
}

function testplans(data, outdir) {
  const plans = parsePlans(data);
  fs.mkdirSync(outdir, { recursive: true });
  const list = [];
  plans.forEach((p, i) => {
    const f = path.join(outdir, String(i).padStart(3, "0") + ".txt");
    fs.writeFileSync(f, p.sample);
    list.push(f);
  });
  fs.writeFileSync(path.join(outdir, "list"), list.join("\n") + "\n");
  fs.writeFileSync(path.join(outdir, "expected.json"), JSON.stringify(plans.map((p) => p.expected)));
}

function checkPlans(data, outdir, bin) {
  const expected = JSON.parse(fs.readFileSync(path.join(outdir, "expected.json"), "utf8"));
  const ours = readBin(bin);
  const enc = loadTiktoken(data, path.join(data, "gpt-tokenizer/r50k_base.tiktoken"));
  const list = fs.readFileSync(path.join(outdir, "list"), "utf8").split("\n").filter((l) => l);
  let same = 0, sameTk = 0, bad = [];
  for (let i = 0; i < expected.length; i++) {
    if (firstDiff(ours[i] || [], expected[i]) < 0) same++;
    else bad.push(i);
    const tk = enc.encode_ordinary(fs.readFileSync(list[i], "utf8"));
    if (firstDiff(ours[i] || [], tk) < 0) sameTk++;
  }
  enc.free();
  const n = expected.length;
  if (n === 64 && same === n) console.log(`ok - TestPlans.txt r50k_base: ${same}/${n} cases match the published ids`);
  else console.log(`not ok - TestPlans.txt r50k_base: ${same}/${n} cases match (expected 64); failing cases ${bad.join(",")}`);
  if (sameTk === n) console.log(`ok - TestPlans.txt r50k_base: ${sameTk}/${n} cases match tiktoken (WASM)`);
  else console.log(`not ok - TestPlans.txt r50k_base: only ${sameTk}/${n} cases match tiktoken (WASM)`);
}

function mkinvalid(list, n, outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  const files = fs.readFileSync(list, "utf8").split("\n").filter((l) => l).slice(0, +n);
  const out = [];
  files.forEach((f, i) => {
    const text = fs.readFileSync(f, "utf8");
    const mid = text.length >> 1;
    const bytes = Buffer.concat([Buffer.from(text.slice(0, mid), "latin1"),
      Buffer.from([0xff, 0x20, 0xc3, 0x28, 0xe2, 0x82, 0x20, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x20, 0xe9, 0x74, 0xe9]),
      Buffer.from(text.slice(mid), "latin1")]);
    const name = path.join(outdir, String(i).padStart(4, "0") + ".txt");
    fs.writeFileSync(name, bytes);
    out.push(name);
  });
  fs.writeFileSync(path.join(outdir, "list"), out.join("\n") + "\n");
}

// Long pre-token pieces (runs of letters, digits, punctuation, whitespace; up to 5000
// characters) exercise the heap-based merge that futurelm uses above 128 bytes.
function mklong(outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pools = ["etaoinshrdlucmfwypvbgkjqxz", "ETAOINSHRDLU", "0123456789", "=-_*#.!?/+", " ", "\n", "éüßçøåñ", "абвгде", "的一是不了人"];
  const out = [];
  for (let f = 0; f < 40; f++) {
    let text = "";
    for (let k = 0; k < 6; k++) {
      const pool = pools[rnd(pools.length)], len = 1 + rnd(f < 5 ? 5000 : 1500);
      let run = "";
      for (let i = 0; i < len; i++) run += pool[rnd(f % 2 ? pool.length : Math.min(3, pool.length))];
      text += run + (rnd(2) ? " " : "");
    }
    const name = path.join(outdir, String(f).padStart(4, "0") + ".txt");
    fs.writeFileSync(name, text);
    out.push(name);
  }
  fs.writeFileSync(path.join(outdir, "list"), out.join("\n") + "\n");
}

// Texts drawn to stress the pre-tokenizer's character classes: every Unicode general
// category (each scanned from the whole code space once), all C0 and C1 controls, the
// White_Space characters, apostrophes and contractions, and ASCII words and digits,
// in runs of 1-4 characters with spaces around them. A fixed xorshift seed, so the
// set is the same on every run; a mismatch names the file to reproduce it.
function mkunicode(n, seed, outdir) {
  n = +n;
  let x = (BigInt(+seed) * 0x9e3779b97f4a7c15n + 1n) & 0xffffffffffffffffn;
  const next = () => { // xorshift64*: 32 good bits
    x ^= x >> 12n; x ^= (x << 25n) & 0xffffffffffffffffn; x ^= x >> 27n;
    return Number(((x * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 32n);
  };
  const pick = (a) => a[next() % a.length];
  const cats = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi",
    "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Co"];
  const re = cats.map((c) => new RegExp("^\\p{gc=" + c + "}$", "u"));
  const byCat = cats.map(() => []);
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue; // surrogates cannot be encoded in UTF-8
    const ch = String.fromCodePoint(cp);
    for (let k = 0; k < re.length; k++) if (re[k].test(ch)) { byCat[k].push(ch); break; }
  }
  const controls = [];
  for (let cp = 0; cp < 0x20; cp++) controls.push(String.fromCodePoint(cp));
  for (let cp = 0x7f; cp < 0xa0; cp++) controls.push(String.fromCodePoint(cp));
  const white = ["\t", "\n", "\v", "\f", "\r", " ", "\u0085", "\u00a0", "\u1680", "\u2000", "\u200a", "\u2028",
    "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"];
  const ascii = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'", "a", "the", "It", "42", "7", "x1", "!", "?!", ".", "--"];
  const pools = [...byCat, controls, white, ascii, ascii];
  fs.mkdirSync(outdir, { recursive: true });
  const list = [];
  for (let i = 0; i < n; i++) {
    let text = "";
    const pieces = 4 + (next() % 28);
    for (let j = 0; j < pieces; j++) {
      const pool = i < controls.length ? (j % 2 ? controls : ascii) : pick(pools); // first files: every control
      const runs = 1 + (next() % 4);
      for (let r = 0; r < runs; r++) text += i < controls.length && j % 2 ? controls[i] : pick(pool);
      const sep = next() % 5;
      if (sep === 0) text += " ";
      else if (sep === 1) text += "  ";
    }
    const f = path.join(outdir, String(i).padStart(5, "0") + ".txt");
    fs.writeFileSync(f, text);
    list.push(f);
  }
  fs.writeFileSync(path.join(outdir, "list"), list.join("\n") + "\n");
  console.log(`# mkunicode: ${n} texts over ${cats.length} general categories (${byCat.map((a) => a.length).reduce((a, b) => a + b)} code points), ${controls.length} C0/C1 controls, ${white.length} spaces`);
}

function replaced(list, outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  const loose = new TextDecoder("utf-8", { ignoreBOM: true });
  const out = [];
  fs.readFileSync(list, "utf8").split("\n").filter((l) => l).forEach((f, i) => {
    const name = path.join(outdir, String(i).padStart(4, "0") + ".txt");
    fs.writeFileSync(name, loose.decode(fs.readFileSync(f)));
    out.push(name);
  });
  fs.writeFileSync(path.join(outdir, "list"), out.join("\n") + "\n");
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "compare") compare(...args);
else if (cmd === "testplans") testplans(...args);
else if (cmd === "check-plans") checkPlans(...args);
else if (cmd === "mkinvalid") mkinvalid(...args);
else if (cmd === "replaced") replaced(...args);
else if (cmd === "mklong") mklong(...args);
else if (cmd === "mkunicode") mkunicode(...args);
else {
  console.error("usage: see the comment at the top of tests/oracle.cjs");
  process.exit(2);
}
