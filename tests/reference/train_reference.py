"""PyTorch reference trainer: from a futurelm checkpoint's initial weights, trains on
the same batches (dumped by `futurelm train --dump-batches`) with the same schedule
(linear warmup, cosine to min_lr), clipping and AdamW, and prints one loss a line.

With the fine-tuning controls (docs/training.md, "Fine-tuning"), a frozen tensor is left
out of the optimizer and of the clipped norm (requires_grad off), and every other one is
its own parameter group at lr x its multiplier.

usage: train_reference.py CKPT_DIR BATCHES_FILE STEPS BATCH_SIZE LR MIN_LR WARMUP WD CLIP
                          [FREEZE_LAYERS FREEZE_ENCODER LAYER_LR_DECAY]
       train_reference.py --frozen INIT_CKPT FINAL_CKPT FREEZE_LAYERS FREEZE_ENCODER
           checks a futurelm run against the convention: every tensor it freezes has the
           initial weights bit for bit and AdamW moments of exactly 0; every other one moved"""
import json
import math
import os
import struct
import sys
from collections import OrderedDict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import futurelm_ref as ref  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = OrderedDict()
    for name, e in header.items():
        assert e["dtype"] == "F32"
        b, en = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[base + b:base + en], dtype="<f4").copy()).view(*e["shape"])
    return out, meta


def lr_multiplier(name, cfg, freeze_layers, freeze_encoder, decay):
    """The documented convention, from the names: 0 for a frozen tensor. Encoder block l of L
    gets decay^(L-1-l), the embeddings decay^L; freeze_layers = k >= 1 freezes blocks below k
    and the embeddings; freeze_encoder freezes every tensor that is not the FTP head's."""
    L = cfg["n_layer"]
    k = L if freeze_encoder else freeze_layers
    if name in ("wte", "wpe"):
        return 0.0 if k > 0 else decay ** L
    if name.startswith("h."):
        layer = int(name.split(".")[1])
        return 0.0 if layer < k else decay ** (L - 1 - layer)
    if name.startswith("ln_f."):
        return 0.0 if freeze_encoder else 1.0
    return 1.0


def read_config(ckpt):
    tensors, meta = read_safetensors(os.path.join(ckpt, "model.safetensors"))
    cfg = {k.split(".", 1)[1]: (float(v) if k == "ftp.gamma" else int(v))
           for k, v in meta.items() if k.startswith(("model.", "ftp."))}
    cfg["type"] = meta["model_type"]
    return tensors, cfg


def check_frozen(init_ckpt, final_ckpt, freeze_layers, freeze_encoder):
    init, cfg = read_config(init_ckpt)
    final, _ = read_config(final_ckpt)
    moments, _ = read_safetensors(os.path.join(final_ckpt, "optimizer.safetensors"))
    frozen = [n for n in init if lr_multiplier(n, cfg, freeze_layers, freeze_encoder, 1.0) == 0.0]
    wrong = [n for n in frozen if not torch.equal(init[n], final[n])
             or moments["m." + n].abs().max() != 0 or moments["v." + n].abs().max() != 0]
    still = [n for n in init if n not in frozen and torch.equal(init[n], final[n])]
    if wrong or still:
        print(f"frozen tensors that changed or have moments: {wrong}; trainable ones that did not move: {still}")
        return 1
    print(f"{len(frozen)} frozen tensors bit for bit as initialised with zero moments, {len(init) - len(frozen)} moved")
    return 0


def main():
    if sys.argv[1] == "--frozen":
        sys.exit(check_frozen(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
    ckpt, batches_path = sys.argv[1], sys.argv[2]
    steps, B = int(sys.argv[3]), int(sys.argv[4])
    lr, min_lr, warmup, wd, clip = (float(x) for x in sys.argv[5:10])
    warmup = int(warmup)
    torch.set_num_threads(1)
    freeze_layers, freeze_encoder = (int(x) for x in (sys.argv[10:12] if len(sys.argv) > 11 else (0, 0)))
    decay = float(sys.argv[12]) if len(sys.argv) > 12 else 1.0
    tensors, cfg = read_config(ckpt)
    mult = {n: lr_multiplier(n, cfg, freeze_layers, freeze_encoder, decay) for n in tensors}
    params = OrderedDict((n, t.clone().requires_grad_(mult[n] != 0.0)) for n, t in tensors.items())
    extra = cfg["n_future"] if cfg["type"] == "ftp" else 1
    W = cfg["block_size"] + extra
    data = np.fromfile(batches_path, dtype="<i4").reshape(-1, B, W)
    assert data.shape[0] >= steps, f"only {data.shape[0]} batches dumped"

    def lr_at(step):
        if step < warmup:
            return lr * (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, steps - warmup))
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))

    trainable = [n for n in params if mult[n] != 0.0]
    groups = [{"params": [params[n]], "weight_decay": wd if params[n].dim() == 2 else 0.0, "mult": mult[n]}
              for n in trainable]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), eps=1e-8)
    for s in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(s) * g["mult"]
        opt.zero_grad(set_to_none=True)
        window = torch.from_numpy(data[s].astype(np.int64))
        loss = (ref.ftp_loss if cfg["type"] == "ftp" else ref.gpt_loss)(params, cfg, window)[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_([params[n] for n in trainable], clip)
        opt.step()
        print(f"{s + 1} {loss.item():.9g}")


if __name__ == "__main__":
    main()
