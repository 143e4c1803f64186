"""Writes tests/fixtures/gpt_small.safetensors: a small GPT (V=97 so the padded
vocabulary is exercised), its weights, a batch, logits, loss, every parameter
gradient, and the losses of 10 AdamW steps with clipping on fresh batches.
The C parity test (tests/test_gpt_parity.c) loads it and compares."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import futurelm_ref as ref  # noqa: E402

CFG = dict(type="gpt", vocab_size=97, block_size=32, n_layer=2, n_head=4, n_embd=64)
B, STEPS = 3, 10
OPT = dict(lr=1e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, grad_clip=1.0)


def main(outdir):
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1234)
    p = ref.init_params(CFG, gen, perturb=0.1)
    T = CFG["block_size"]
    batches = torch.randint(0, CFG["vocab_size"], (STEPS, B, T + 1), generator=gen, dtype=torch.int64)
    out = {}
    for name, t in p.items():
        out["param." + name] = t.detach().clone()

    loss, logits = ref.gpt_loss(p, CFG, batches[0])
    loss.backward()
    out["tokens"] = batches[0].to(torch.int32)
    out["logits"] = logits.detach()
    out["loss"] = loss.detach().reshape(1)
    for name, t in p.items():
        out["grad." + name] = t.grad.detach().clone()

    step_losses = ref.train_steps(p, lambda batch: ref.gpt_loss(p, CFG, batch), batches, OPT)
    out["train_tokens"] = batches.to(torch.int32)
    out["step_losses"] = torch.tensor(step_losses, dtype=torch.float32)
    meta = {**{k: v for k, v in CFG.items()}, **OPT, "batch_size": B, "steps": STEPS}
    ref.write_safetensors(os.path.join(outdir, "gpt_small.safetensors"), out, meta)
    print(f"ok - gpt reference fixture written (loss {step_losses[0]:.6f}, {len(p)} tensors)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
