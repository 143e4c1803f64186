"""A GGUF reader written for the tests from ggml's docs/gguf.md, independent of
futurelm's (tests/test_gguf.sh), and the damaged files for its error checks.

  gguf_check.py compare FILE.gguf CKPT/model.safetensors
      every tensor of the checkpoint is in the GGUF under llama.cpp's gpt2 name,
      dims reversed, bit for bit (F32) or as numpy's float16 rounding of it (F16);
      prints one line per finding, exit 1 on any difference
  gguf_check.py damage FILE.gguf KIND OUT
      KIND: magic version truncated past_end type kv_count tensor_count arch
"""
import json
import struct
import sys

import numpy as np

SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


class Reader:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take("<Q")
        s = self.b[self.p:self.p + n].decode("utf-8")
        self.p += n
        return s

    def value(self, t):
        if t == 8:
            return self.string()
        if t == 9:
            et, n = self.take("<I"), self.take("<Q")
            return [self.value(et) for _ in range(n)]
        return self.take(SCALAR[t])


def parse(b, with_fields=False):
    r = Reader(b)
    assert b[:4] == b"GGUF", "magic"
    r.p = 4
    version, n_t, n_kv = r.take("<I"), r.take("<Q"), r.take("<Q")
    kv, fields = {}, {}
    for _ in range(n_kv):
        k = r.string()
        fields[k] = r.p  # where the value type starts
        kv[k] = r.value(r.take("<I"))
    tensors = []
    for _ in range(n_t):
        at = r.p
        name = r.string()
        nd = r.take("<I")
        dims = [r.take("<Q") for _ in range(nd)]
        typ_at = r.p
        typ, off = r.take("<I"), r.take("<Q")
        tensors.append(dict(name=name, dims=dims, type=typ, offset=off, info_at=at, type_at=typ_at))
    align = kv.get("general.alignment", 32)
    start = (r.p + align - 1) // align * align
    return (version, kv, tensors, start, fields) if with_fields else (version, kv, tensors, start)


def safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack_from("<Q", b, 0)[0]
    head = json.loads(b[8:8 + n])
    out = {}
    for k, v in head.items():
        if k == "__metadata__":
            continue
        a, e = v["data_offsets"]
        out[k] = np.frombuffer(b[8 + n + a:8 + n + e], dtype="<f4").reshape(v["shape"])
    return out, head.get("__metadata__", {})


def gguf_name(ours):
    if ours == "wte":
        return "token_embd.weight"
    if ours == "wpe":
        return "position_embd.weight"
    if ours.startswith("ln_f."):
        return "output_norm." + ours[5:]
    _, l, rest = ours.split(".", 2)
    for a, b in (("ln_1.", "attn_norm."), ("attn.c_attn.", "attn_qkv."), ("attn.c_proj.", "attn_output."),
                 ("ln_2.", "ffn_norm."), ("mlp.c_fc.", "ffn_up."), ("mlp.c_proj.", "ffn_down.")):
        if rest.startswith(a):
            return f"blk.{l}.{b}{rest[len(a):]}"
    raise KeyError(ours)


def compare(gguf_path, st_path):
    b = open(gguf_path, "rb").read()
    version, kv, tensors, start = parse(b)
    ours, _ = safetensors(st_path)
    by_name = {t["name"]: t for t in tensors}
    bad = 0
    V = kv["tokenizer.ggml.tokens"].__len__()
    for name, w in ours.items():
        t = by_name.get(gguf_name(name))
        if t is None:
            print(f"missing {gguf_name(name)}")
            bad += 1
            continue
        if name == "wte":
            w = w[:V]  # our padding rows are not in the file
        want_dims = list(reversed(w.shape))
        dt = "<f4" if t["type"] == 0 else "<f2"
        got = np.frombuffer(b[start + t["offset"]:start + t["offset"] + w.size * np.dtype(dt).itemsize], dtype=dt)
        ref = w.astype(dt).reshape(-1)
        if t["dims"] != want_dims or got.tobytes() != ref.tobytes():
            print(f"differs {t['name']} dims {t['dims']} vs {want_dims}")
            bad += 1
    extra = set(by_name) - {gguf_name(n) for n in ours}
    if extra:
        print(f"extra tensors {sorted(extra)}")
        bad += 1
    print(f"version {version}, {len(tensors)} tensors, {len(kv)} keys, vocab {V}; {bad} differences")
    return 1 if bad else 0


def damage(path, kind, out):
    b = bytearray(open(path, "rb").read())
    version, kv, tensors, start, fields = parse(bytes(b), with_fields=True)
    last = tensors[-1]
    if kind == "magic":
        b[0:4] = b"GGUX"
    elif kind == "version":
        struct.pack_into("<I", b, 4, 2)
    elif kind == "truncated":
        b = b[:len(b) - 100]
    elif kind == "past_end":  # the last tensor moved a file's length on, still aligned
        struct.pack_into("<Q", b, last["type_at"] + 4, last["offset"] + (len(b) + 31) // 32 * 32)
    elif kind == "arch":  # "gpt2" -> "gptj", same length: a model of another architecture
        at = fields["general.architecture"] + 4 + 8
        b[at:at + 4] = b"gptj"
    elif kind == "type":
        struct.pack_into("<I", b, last["type_at"], 2)  # Q4_0
    elif kind == "kv_count":
        struct.pack_into("<Q", b, 16, 1 << 62)
    elif kind == "tensor_count":
        struct.pack_into("<Q", b, 8, (1 << 64) - 1)
    else:
        raise SystemExit(f"unknown damage {kind}")
    open(out, "wb").write(bytes(b))


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    damage(sys.argv[2], sys.argv[3], sys.argv[4])
