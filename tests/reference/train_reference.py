"""PyTorch reference trainer: from a futurelm checkpoint's initial weights, trains on
the same batches (dumped by `futurelm train --dump-batches`) with the same schedule
(linear warmup, cosine to min_lr), clipping and AdamW, and prints one loss a line.

usage: train_reference.py CKPT_DIR BATCHES_FILE STEPS BATCH_SIZE LR MIN_LR WARMUP WD CLIP"""
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


def main():
    ckpt, batches_path = sys.argv[1], sys.argv[2]
    steps, B = int(sys.argv[3]), int(sys.argv[4])
    lr, min_lr, warmup, wd, clip = (float(x) for x in sys.argv[5:10])
    warmup = int(warmup)
    torch.set_num_threads(1)
    tensors, meta = read_safetensors(os.path.join(ckpt, "model.safetensors"))
    cfg = {k.split(".", 1)[1]: (float(v) if k == "ftp.gamma" else int(v))
           for k, v in meta.items() if k.startswith(("model.", "ftp."))}
    cfg["type"] = meta["model_type"]
    params = OrderedDict((n, t.clone().requires_grad_(True)) for n, t in tensors.items())
    extra = cfg["n_future"] if cfg["type"] == "ftp" else 1
    W = cfg["block_size"] + extra
    data = np.fromfile(batches_path, dtype="<i4").reshape(-1, B, W)
    assert data.shape[0] >= steps, f"only {data.shape[0]} batches dumped"

    def lr_at(step):
        if step < warmup:
            return lr * (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, steps - warmup))
        return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * progress))

    decay = [t for t in params.values() if t.dim() == 2]
    no_decay = [t for t in params.values() if t.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.95), eps=1e-8)
    for s in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(s)
        opt.zero_grad(set_to_none=True)
        window = torch.from_numpy(data[s].astype(np.int64))
        loss = (ref.ftp_loss if cfg["type"] == "ftp" else ref.gpt_loss)(params, cfg, window)[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), clip)
        opt.step()
        print(f"{s + 1} {loss.item():.9g}")


if __name__ == "__main__":
    main()
