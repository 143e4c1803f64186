"""PyTorch reference implementation of futurelm's two models (docs/design.md 1.1-1.3).

Written independently of the C code, straight from the specification, with
attention spelled out (torch 1.13 has no fused attention). Parameters live in
one ordered dict keyed by the checkpoint names, so fixtures and checkpoints
share one vocabulary of tensor names.
"""
import json
import math
import struct
from collections import OrderedDict

import torch
import torch.nn.functional as F


def padded_vocab(v):
    return (v + 63) // 64 * 64


def tensor_specs(cfg):
    """(name, shape, init) in docs/design.md 1.3 order; init is a std, 'zeros' or 'ones'."""
    C, L, V = cfg["n_embd"], cfg["n_layer"], cfg["vocab_size"]
    Vp, T = padded_vocab(V), cfg["block_size"]
    std, res_std = 0.02, 0.02 / math.sqrt(2 * L)
    specs = [("wte", (Vp, C), std), ("wpe", (T, C), std),
             ("ln_f.weight", (C,), "ones"), ("ln_f.bias", (C,), "zeros")]
    for l in range(L):
        p = f"h.{l}."
        specs += [(p + "ln_1.weight", (C,), "ones"), (p + "ln_1.bias", (C,), "zeros"),
                  (p + "ln_2.weight", (C,), "ones"), (p + "ln_2.bias", (C,), "zeros"),
                  (p + "attn.c_attn.weight", (3 * C, C), std), (p + "attn.c_attn.bias", (3 * C,), "zeros"),
                  (p + "attn.c_proj.weight", (C, C), res_std), (p + "attn.c_proj.bias", (C,), "zeros"),
                  (p + "mlp.c_fc.weight", (4 * C, C), std), (p + "mlp.c_fc.bias", (4 * C,), "zeros"),
                  (p + "mlp.c_proj.weight", (C, 4 * C), res_std), (p + "mlp.c_proj.bias", (C,), "zeros")]
    if cfg.get("type", "gpt") == "ftp":
        P, N, Ld = cfg["pseudo_len"], cfg["n_future"], cfg["dec_layers"]
        dstd = 0.02 / math.sqrt(3 * Ld)
        specs += [("proj.weight", (P * C, C), std), ("proj.bias", (P * C,), "zeros"),
                  ("dec.wpe", (N, C), std), ("dec.ln_f.weight", (C,), "ones"), ("dec.ln_f.bias", (C,), "zeros")]
        for l in range(Ld):
            p = f"dec.h.{l}."
            for ln in ("ln_1", "ln_x", "ln_2"):
                specs += [(p + ln + ".weight", (C,), "ones"), (p + ln + ".bias", (C,), "zeros")]
            specs += [(p + "attn.c_attn.weight", (3 * C, C), std), (p + "attn.c_attn.bias", (3 * C,), "zeros"),
                      (p + "attn.c_proj.weight", (C, C), dstd), (p + "attn.c_proj.bias", (C,), "zeros"),
                      (p + "xattn.q.weight", (C, C), std), (p + "xattn.q.bias", (C,), "zeros"),
                      (p + "xattn.kv.weight", (2 * C, C), std), (p + "xattn.kv.bias", (2 * C,), "zeros"),
                      (p + "xattn.c_proj.weight", (C, C), dstd), (p + "xattn.c_proj.bias", (C,), "zeros"),
                      (p + "mlp.c_fc.weight", (4 * C, C), std), (p + "mlp.c_fc.bias", (4 * C,), "zeros"),
                      (p + "mlp.c_proj.weight", (C, 4 * C), dstd), (p + "mlp.c_proj.bias", (C,), "zeros")]
        if not tied_decoder(cfg):
            specs += [("dec.wte", (Vp, C), std)]  # last, so every other tensor draws as when tied
    return specs


def tied_decoder(cfg):
    """ftp.tie_dec_embd (default 1): the decoder's input rows come from wte, else from dec.wte."""
    return int(cfg.get("tie_dec_embd", 1)) == 1


def init_params(cfg, generator, perturb=0.0):
    """docs/design.md init; with perturb > 0, LayerNorm and bias tensors get N(0, perturb)
    added so that the fixture exercises every gradient path with non-trivial values."""
    params = OrderedDict()
    for name, shape, init in tensor_specs(cfg):
        if init == "ones":
            t = torch.ones(shape)
        elif init == "zeros":
            t = torch.zeros(shape)
        else:
            t = torch.randn(shape, generator=generator) * init
        if perturb and init in ("ones", "zeros"):
            t = t + torch.randn(shape, generator=generator) * perturb
        params[name] = t
    for name in ("wte", "dec.wte"):
        if name in params:
            params[name][cfg["vocab_size"]:] = 0.0  # padding rows are never tokens
    for t in params.values():
        t.requires_grad_(True)
    return params


def attention(q, k, v, n_head, causal):
    """q [R,Sq,C], k/v [R,Sk,C] -> [R,Sq,C]; scale 1/sqrt(head size)."""
    R, Sq, C = q.shape
    Sk, hs = k.shape[1], C // n_head
    q = q.view(R, Sq, n_head, hs).transpose(1, 2)
    k = k.view(R, Sk, n_head, hs).transpose(1, 2)
    v = v.view(R, Sk, n_head, hs).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
    if causal:
        mask = torch.ones(Sq, Sk, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf"))
    att = torch.softmax(att, dim=-1)
    return (att @ v).transpose(1, 2).reshape(R, Sq, C)


def layer_norm(x, p, name):
    return F.layer_norm(x, (x.shape[-1],), p[name + ".weight"], p[name + ".bias"], eps=1e-5)


def linear(x, p, name):
    return F.linear(x, p[name + ".weight"], p[name + ".bias"])


def block(p, prefix, x, n_head, ctx=None):
    C = x.shape[-1]
    q, k, v = linear(layer_norm(x, p, prefix + "ln_1"), p, prefix + "attn.c_attn").split(C, dim=-1)
    x = x + linear(attention(q, k, v, n_head, True), p, prefix + "attn.c_proj")
    if ctx is not None:
        q = linear(layer_norm(x, p, prefix + "ln_x"), p, prefix + "xattn.q")
        k, v = linear(ctx, p, prefix + "xattn.kv").split(C, dim=-1)
        x = x + linear(attention(q, k, v, n_head, False), p, prefix + "xattn.c_proj")
    h = F.gelu(linear(layer_norm(x, p, prefix + "ln_2"), p, prefix + "mlp.c_fc"), approximate="tanh")
    return x + linear(h, p, prefix + "mlp.c_proj")


def encoder(p, cfg, inputs):
    """inputs [B,T] -> h [B,T,C] (after ln_f): the semantic state vectors."""
    T = inputs.shape[1]
    x = p["wte"][inputs] + p["wpe"][:T]
    for l in range(cfg["n_layer"]):
        x = block(p, f"h.{l}.", x, cfg["n_head"])
    return layer_norm(x, p, "ln_f")


def cross_entropy_rows(logits, targets, V):
    """Per-row CE over the first V (real) columns of padded logits."""
    return F.cross_entropy(logits[..., :V].reshape(-1, V), targets.reshape(-1), reduction="none")


def masked_mean(terms, weights):
    """sum(w * terms) / sum(w), 0 when nothing counts (docs/design.md 1.2, loss mask)."""
    total = weights.sum()
    if total.item() == 0:
        return (terms * 0).sum()
    return (terms * weights).sum() / total


def loss_after_mask(window, after, eot):
    """train.loss_after's mask [B, W] (0/1): token i counts when an `after` token occurred
    earlier in its document within the window, up to and including the next eot."""
    rows = []
    for row in window.tolist():
        on, m = False, []
        for tok in row:
            m.append(1 if on else 0)
            if tok == eot:
                on = False
            elif tok == after:
                on = True
        rows.append(m)
    return torch.tensor(rows, dtype=torch.uint8)


def gpt_loss(p, cfg, window, mask=None):
    """window [B, T+1] -> (loss, logits [B,T,Vp]). mask: optional [B, T+1], nonzero
    where the token counts as a target; the loss is the mean CE over counted targets."""
    h = encoder(p, cfg, window[:, :-1])
    logits = h @ p["wte"].t()
    ce = cross_entropy_rows(logits, window[:, 1:], cfg["vocab_size"])
    if mask is None:
        return ce.mean(), logits
    return masked_mean(ce, (mask[:, 1:] != 0).float().reshape(-1)), logits


def ftp_loss(p, cfg, window, positions=None, mask=None):
    """window [B, T+N] -> (weighted loss, per-offset mean CE [N], logits [R,N,Vp]).
    positions: optional [B,K] encoder positions (ftp.positions); default all T.
    mask: optional [B, T+N], nonzero where the token counts as a target: term (t, j)
    weighs gamma^j m[t+j+1]; the loss is sum(w CE) / sum(w), offset j the mean of its
    counted terms (0 when none)."""
    N, P, C, V = cfg["n_future"], cfg["pseudo_len"], cfg["n_embd"], cfg["vocab_size"]
    B, W = window.shape
    T = W - N
    h = encoder(p, cfg, window[:, :T])                         # [B,T,C]
    dec_in = window.unfold(1, N, 1)[:, :T]                     # [B,T,N]: x_t..x_{t+N-1}
    dec_tgt = window[:, 1:].unfold(1, N, 1)[:, :T]             # [B,T,N]: x_{t+1}..x_{t+N}
    if mask is not None:
        dec_m = (mask[:, 1:] != 0).float().unfold(1, N, 1)[:, :T]  # [B,T,N]: m[t+j+1]
    if positions is not None:
        idx = positions
        h = torch.gather(h, 1, idx[:, :, None].expand(-1, -1, C))
        dec_in = torch.gather(dec_in, 1, idx[:, :, None].expand(-1, -1, N))
        dec_tgt = torch.gather(dec_tgt, 1, idx[:, :, None].expand(-1, -1, N))
        if mask is not None:
            dec_m = torch.gather(dec_m, 1, idx[:, :, None].expand(-1, -1, N))
    R = h.shape[0] * h.shape[1]
    ctx = linear(h.reshape(R, C), p, "proj").view(R, P, C)
    dec_wte = p["wte"] if tied_decoder(cfg) else p["dec.wte"]
    x = dec_wte[dec_in.reshape(R, N)] + p["dec.wpe"]
    for l in range(cfg["dec_layers"]):
        x = block(p, f"dec.h.{l}.", x, cfg["dec_heads"] or cfg["n_head"], ctx)
    x = layer_norm(x, p, "dec.ln_f")
    logits = x @ p["wte"].t()                                  # [R,N,Vp]
    ce = cross_entropy_rows(logits, dec_tgt.reshape(R, N), V).view(R, N)
    g = torch.tensor([cfg["gamma"] ** j for j in range(N)], dtype=torch.float64).float()
    if mask is None:
        loss = (ce * g).sum() / (R * g.sum())
        return loss, ce.mean(dim=0), logits
    dec_m = dec_m.reshape(R, N)
    offsets = torch.stack([masked_mean(ce[:, j], dec_m[:, j]) for j in range(N)])
    return masked_mean(ce, dec_m * g), offsets, logits


def train_steps(params, loss_fn, batches, opt_cfg):
    """One clip + AdamW step per batch (decay on 2-D weights only); returns each step's loss.
    loss_fn(batch) returns the scalar loss as its first value."""
    for t in params.values():
        t.grad = None
    decay = [t for t in params.values() if t.dim() == 2]
    no_decay = [t for t in params.values() if t.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": opt_cfg["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=opt_cfg["lr"], betas=(opt_cfg["beta1"], opt_cfg["beta2"]), eps=opt_cfg["eps"])
    losses = []
    for batch in batches:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(batch)[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), opt_cfg["grad_clip"])
        opt.step()
        losses.append(loss.item())
    return losses


# ------------------------------------------------------------------ safetensors

_DTYPES = {torch.float32: ("F32", "f"), torch.int32: ("I32", "i")}


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer (the format is a JSON header plus raw bytes)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype, _ = _DTYPES[t.dtype]
        raw = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    import os
    os.replace(tmp, path)
