"""Writes a small GPT-2 in the layouts of other tools, and its logits, for
tests/test_interop.c (futurelm convert):
  tests/fixtures/hf_gpt2/        config.json + model.safetensors as
      GPT2LMHeadModel.save_pretrained writes them: "transformer." names,
      Conv1D weights [in, out], the attention-mask buffers attn.bias (F32
      [1,1,T,T]) and attn.masked_bias, no lm_head (tied);
  tests/fixtures/hf_gpt2_bare/   the same weights with the other key spelling
      (no prefix), lm_head.weight present (equal to wte), attn.bias as U8;
  tests/fixtures/hf_gpt2_half/   the same weights in BF16 (the blocks' matrices)
      and F16 (the rest), attn.bias BOOL; hf_gpt2_half_f32/ holds them widened
      to F32 by torch, what a conversion must give back;
  tests/fixtures/gpt2_llmc.bin   the same weights in llm.c's model file
      (train_gpt2.py's write_model layout: 256 int32 header, float32, vocab
      padded to 128, matrices [out, in]);
  tests/fixtures/hf_gpt2_ref.safetensors   tokens [T] and logits [T, V] of
      GPT-2's forward computed here, in float64, from the HF layout itself.
transformers is not needed: the names, layout and forward are GPT-2's, written
out below. V = 97 so that both vocabularies' padding is exercised."""
import json
import math
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import futurelm_ref as ref  # noqa: E402

V, T, C, L, H = 97, 16, 32, 2, 4
ref._DTYPES[torch.uint8] = ("U8", "B")  # the bare file's mask buffers
ref._DTYPES[torch.bool] = ("BOOL", "?")  # the half file's
ref._DTYPES[torch.float16] = ("F16", "e")
ref._DTYPES[torch.int16] = ("BF16", "h")  # bfloat16's bits, which numpy cannot hold as such


def make_weights(gen):
    """HF GPT-2's tensors (no prefix), Conv1D weights [in, out]."""
    def rnd(*shape, std=0.1):
        return (torch.randn(*shape, generator=gen, dtype=torch.float64) * std).float()
    w = {"wte.weight": rnd(V, C), "wpe.weight": rnd(T, C)}
    for l in range(L):
        p = f"h.{l}."
        w[p + "ln_1.weight"] = 1 + rnd(C)
        w[p + "ln_1.bias"] = rnd(C)
        w[p + "attn.c_attn.weight"] = rnd(C, 3 * C)
        w[p + "attn.c_attn.bias"] = rnd(3 * C)
        w[p + "attn.c_proj.weight"] = rnd(C, C)
        w[p + "attn.c_proj.bias"] = rnd(C)
        w[p + "ln_2.weight"] = 1 + rnd(C)
        w[p + "ln_2.bias"] = rnd(C)
        w[p + "mlp.c_fc.weight"] = rnd(C, 4 * C)
        w[p + "mlp.c_fc.bias"] = rnd(4 * C)
        w[p + "mlp.c_proj.weight"] = rnd(4 * C, C)
        w[p + "mlp.c_proj.bias"] = rnd(C)
    w["ln_f.weight"] = 1 + rnd(C)
    w["ln_f.bias"] = rnd(C)
    return w


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + 1e-5) * g + b


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def hf_forward(w, tokens, mask):
    """GPT2LMHeadModel's forward in float64 on HF's own layout (Conv1D: x @ W + b)."""
    d = {k: v.double() for k, v in w.items()}
    n = tokens.shape[0]
    x = d["wte.weight"][tokens] + d["wpe.weight"][:n]
    hs = C // H
    for l in range(L):
        p = f"h.{l}."
        a = layer_norm(x, d[p + "ln_1.weight"], d[p + "ln_1.bias"])
        q, k, v = (a @ d[p + "attn.c_attn.weight"] + d[p + "attn.c_attn.bias"]).split(C, dim=-1)
        q, k, v = (t.view(n, H, hs).transpose(0, 1) for t in (q, k, v))
        s = q @ k.transpose(-1, -2) / math.sqrt(hs)
        s = torch.where(mask[0, 0, :n, :n].bool(), s, torch.tensor(-1e30, dtype=torch.float64))
        y = (torch.softmax(s, -1) @ v).transpose(0, 1).reshape(n, C)
        x = x + y @ d[p + "attn.c_proj.weight"] + d[p + "attn.c_proj.bias"]
        m = layer_norm(x, d[p + "ln_2.weight"], d[p + "ln_2.bias"])
        x = x + gelu_new(m @ d[p + "mlp.c_fc.weight"] + d[p + "mlp.c_fc.bias"]) @ d[p + "mlp.c_proj.weight"] \
            + d[p + "mlp.c_proj.bias"]
    x = layer_norm(x, d["ln_f.weight"], d["ln_f.bias"])
    return x @ d["wte.weight"].T


def hf_config(**extra):
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V, "n_positions": T,
           "n_ctx": T, "n_embd": C, "n_layer": L, "n_head": H, "n_inner": None, "activation_function": "gelu_new",
           "layer_norm_epsilon": 1e-05, "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
           "scale_attn_weights": True, "bos_token_id": V - 1, "eos_token_id": V - 1}
    cfg.update(extra)
    return cfg


def write_hf(outdir, name, tensors, cfg):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    ref.write_safetensors(os.path.join(d, "model.safetensors"), tensors, {"format": "pt"})


def write_llmc(path, w):
    """llm.c's model file: header, then wte (padded to 128 rows), wpe, each per-layer
    array stacked over layers, ln_f; matrices transposed to [out, in]."""
    vp = (V + 127) // 128 * 128
    header = [20240326, 3, T, V, L, H, C, vp] + [0] * 248
    wte = torch.zeros(vp, C)
    wte[:V] = w["wte.weight"]
    arrays = [wte, w["wpe.weight"]]
    for key, conv in [("ln_1.weight", 0), ("ln_1.bias", 0), ("attn.c_attn.weight", 1), ("attn.c_attn.bias", 0),
                      ("attn.c_proj.weight", 1), ("attn.c_proj.bias", 0), ("ln_2.weight", 0), ("ln_2.bias", 0),
                      ("mlp.c_fc.weight", 1), ("mlp.c_fc.bias", 0), ("mlp.c_proj.weight", 1),
                      ("mlp.c_proj.bias", 0)]:
        arrays += [w[f"h.{l}.{key}"].T.contiguous() if conv else w[f"h.{l}.{key}"] for l in range(L)]
    arrays += [w["ln_f.weight"], w["ln_f.bias"]]
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<256i", *header))
        for a in arrays:
            f.write(a.contiguous().numpy().astype("<f4").tobytes())
    os.replace(path + ".tmp", path)


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    gen = torch.Generator().manual_seed(2024)
    w = make_weights(gen)
    mask = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
    tokens = torch.randint(0, V, (T,), generator=gen)
    logits = hf_forward(w, tokens, mask).float()

    prefixed = {"transformer." + k: v for k, v in w.items()}
    for l in range(L):
        prefixed[f"transformer.h.{l}.attn.bias"] = mask
        prefixed[f"transformer.h.{l}.attn.masked_bias"] = torch.tensor(-1e4)
    write_hf(outdir, "hf_gpt2", prefixed, hf_config())

    bare = dict(w)
    for l in range(L):
        bare[f"h.{l}.attn.bias"] = mask.to(torch.uint8)
    bare["lm_head.weight"] = w["wte.weight"].clone()
    write_hf(outdir, "hf_gpt2_bare", bare, hf_config(tie_word_embeddings=False))

    # half precision as HF hubs often hold it: the blocks' matrices BF16, the rest F16, attn.bias BOOL;
    # and beside it the same values widened to F32 by torch, what the conversion must give back
    half, widened = {}, {}
    for k, v in w.items():
        if v.dim() == 2 and k.startswith("h."):
            half["transformer." + k] = v.bfloat16().view(torch.int16)
            widened["transformer." + k] = v.bfloat16().float()
        else:
            half["transformer." + k] = v.half()
            widened["transformer." + k] = v.half().float()
    for l in range(L):
        half[f"transformer.h.{l}.attn.bias"] = mask.bool()
    write_hf(outdir, "hf_gpt2_half", half, hf_config())
    write_hf(outdir, "hf_gpt2_half_f32", widened, hf_config())

    write_llmc(os.path.join(outdir, "gpt2_llmc.bin"), w)
    ref.write_safetensors(os.path.join(outdir, "hf_gpt2_ref.safetensors"),
                          {"tokens": tokens.to(torch.int32), "logits": logits}, {"vocab_size": V, "T": T})
    print(f"ok - hf/llm.c GPT-2 fixtures written (max|logit| {logits.abs().max().item():.3f})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
