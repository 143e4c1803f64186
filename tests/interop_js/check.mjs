// Outside readers of futurelm's exports, for tests/test_gguf.sh (installed by `npm ci` here):
//   node check.mjs gguf FILE            Hugging Face's GGUF parser: header, metadata and tensor infos as JSON
//   node check.mjs tokenizers DIR TEXT  tokenizers.js on DIR/tokenizer.json: the ids of TEXT as JSON
//   node check.mjs merges DIR TEXT      a merge-list BPE written here over DIR/vocab.json + merges.txt
//                                       (GPT2Tokenizer's algorithm): the ids of TEXT as JSON
// Exit 3 when the packages are not installed, so the caller can skip with a reason.
import fs from "node:fs";

async function load(name) {
    try {
        return await import(name);
    } catch {
        console.error(`${name} is not installed (cd tests/interop_js && npm ci)`);
        process.exit(3);
    }
}

const [cmd, a, b] = process.argv.slice(2);
const special = (text) => text.replace(/<\|endoftext\|>/g, "\u0000"); // split points for the one special token

if (cmd === "gguf") {
    const { gguf } = await load("@huggingface/gguf");
    const { metadata, tensorInfos, tensorDataOffset } = await gguf(a, { allowLocalFile: true });
    const m = {};
    for (const [k, v] of Object.entries(metadata))
        m[k] = Array.isArray(v) ? { length: v.length, head: v.slice(0, 4), tail: v.slice(-2) } : typeof v === "bigint" ? Number(v) : v;
    const tensors = tensorInfos.map((t) => ({
        name: t.name,
        shape: t.shape.map(Number),
        dtype: t.dtype,
        offset: Number(t.offset),
    }));
    console.log(JSON.stringify({ metadata: m, tensors, tensorDataOffset: Number(tensorDataOffset) }));
} else if (cmd === "tokenizers") {
    const { Tokenizer } = await load("@huggingface/tokenizers");
    const tj = JSON.parse(fs.readFileSync(`${a}/tokenizer.json`, "utf8"));
    const tc = JSON.parse(fs.readFileSync(`${a}/tokenizer_config.json`, "utf8"));
    const tok = new Tokenizer(tj, tc);
    console.log(JSON.stringify(tok.encode(fs.readFileSync(b, "utf8"), { add_special_tokens: false }).ids));
} else if (cmd === "merges") {
    const vocab = JSON.parse(fs.readFileSync(`${a}/vocab.json`, "utf8"));
    const lines = fs.readFileSync(`${a}/merges.txt`, "utf8").split("\n").slice(1).filter((l) => l.length);
    const prio = new Map(lines.map((l, i) => [l, i]));
    // GPT-2's bytes_to_unicode
    const printable = (c) => (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174;
    const bu = [];
    for (let c = 0, n = 0; c < 256; c++) bu[c] = String.fromCodePoint(printable(c) ? c : 256 + n++);
    const re = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
    const ids = [];
    for (const chunk of special(fs.readFileSync(b, "utf8")).split(/(\u0000)/)) {
        if (chunk === "\u0000") {
            ids.push(vocab["<|endoftext|>"]);
            continue;
        }
        for (const piece of chunk.match(re) || []) {
            let w = [...Buffer.from(piece, "utf8")].map((x) => bu[x]);
            for (;;) { // merge the listed pair of highest priority until none is listed
                let best = -1, bi = -1;
                for (let i = 0; i + 1 < w.length; i++) {
                    const p = prio.get(w[i] + " " + w[i + 1]);
                    if (p !== undefined && (best < 0 || p < best)) (best = p), (bi = i);
                }
                if (bi < 0) break;
                w.splice(bi, 2, w[bi] + w[bi + 1]);
            }
            for (const t of w) ids.push(vocab[t]);
        }
    }
    console.log(JSON.stringify(ids));
} else {
    console.error("usage: node check.mjs gguf FILE | tokenizers DIR TEXT | merges DIR TEXT");
    process.exit(2);
}
