"""Writes tests/fixtures/{gpt,ftp}_mask.safetensors: the loss mask of answer-only
training (train.loss_after) against PyTorch. Windows are cut from a stream of
star-graph-like documents `prompt = answer <eot>` (eot = 0, `=` = 1), so windows
start mid-document, hold several documents, or hold an answer whose `=` lies
before the window. Each file holds the weights, a batch, its mask (this
reference's builder; the C test checks its own builder gives the same), the
masked losses, every gradient, and 10 masked AdamW steps; the FTP file also the
masked loss over fixed positions [B,K]. Read by tests/test_loss_mask.c."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import futurelm_ref as ref  # noqa: E402

EOT, AFTER = 0, 1
GPT = dict(type="gpt", vocab_size=97, block_size=32, n_layer=2, n_head=4, n_embd=64)
FTP = dict(type="ftp", vocab_size=97, block_size=16, n_layer=2, n_head=4, n_embd=32,
           n_future=4, pseudo_len=3, gamma=0.8, dec_layers=2, dec_heads=2, positions=0)
B, STEPS, K = 3, 10, 5
OPT = dict(lr=1e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, grad_clip=1.0)


def stream(gen, n):
    """n tokens of documents: 3..10 prompt tokens, `=`, 2..6 answer tokens, eot."""
    out = []
    while len(out) < n:
        lo = lambda a, b: int(torch.randint(a, b + 1, (1,), generator=gen))  # noqa: E731
        out += [lo(2, 96) for _ in range(lo(3, 10))] + [AFTER] + [lo(2, 96) for _ in range(lo(2, 6))] + [EOT]
    return out[:n]


def windows(gen, count, W):
    """count x B windows of W tokens at random offsets of one stream."""
    s = torch.tensor(stream(gen, 4000), dtype=torch.int64)
    starts = torch.randint(0, len(s) - W, (count, B), generator=gen)
    return torch.stack([torch.stack([s[a:a + W] for a in row.tolist()]) for row in starts])


def make(cfg, name, outdir, seed):
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(seed)
    p = ref.init_params(cfg, gen, perturb=0.1)
    T = cfg["block_size"]
    ftp = cfg["type"] == "ftp"
    W = T + (cfg["n_future"] if ftp else 1)
    batches = windows(gen, STEPS, W)
    masks = torch.stack([ref.loss_after_mask(b, AFTER, EOT) for b in batches])
    loss_fn = (lambda b, m: ref.ftp_loss(p, cfg, b, mask=m)) if ftp else (lambda b, m: ref.gpt_loss(p, cfg, b, mask=m))
    out = {"param." + n: t.detach().clone() for n, t in p.items()}
    res = loss_fn(batches[0], masks[0])
    res[0].backward()
    out["tokens"] = batches[0].to(torch.int32)
    out["mask"] = masks[0].to(torch.int32)
    out["loss"] = res[0].detach().reshape(1)
    if ftp:
        out["offset_losses"] = res[1].detach()
        pos = torch.stack([torch.randperm(T, generator=gen)[:K].sort().values for _ in range(B)])
        with torch.no_grad():
            ploss, poff, _ = ref.ftp_loss(p, cfg, batches[0], positions=pos, mask=masks[0])
        out["positions"] = pos.to(torch.int32)
        out["positions_loss"] = ploss.reshape(1)
        out["positions_offset_losses"] = poff
    for n, t in p.items():
        out["grad." + n] = t.grad.detach().clone()
    it = iter(range(STEPS))
    step_losses = ref.train_steps(p, lambda b: loss_fn(b, masks[next(it)]), batches, OPT)
    out["train_tokens"] = batches.to(torch.int32)
    out["train_mask"] = masks.to(torch.int32)
    out["step_losses"] = torch.tensor(step_losses, dtype=torch.float32)
    meta = {**cfg, **OPT, "batch_size": B, "steps": STEPS, "K": K, "eot": EOT, "after": AFTER}
    ref.write_safetensors(os.path.join(outdir, name), out, meta)
    counted = int(masks[0][:, 1:].sum())
    print(f"ok - {name} written (masked loss {step_losses[0]:.6f}, {counted} of {B * (W - 1)} targets counted)")


def main(outdir):
    make(GPT, "gpt_mask.safetensors", outdir, 2468)
    make(FTP, "ftp_mask.safetensors", outdir, 1357)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
