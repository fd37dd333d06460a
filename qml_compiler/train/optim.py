"""Optimisers, learning-rate schedules and gradient clipping, on parameter dicts.

    >>> opt = make_optimizer({"name": "adam", "lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8,
    ...                       "weight_decay": 0.0}, cm.param_specs)
    >>> opt.step(params, grads, lr=0.05)     # updates params in place
    >>> opt.state()                          # arrays by name, for a checkpoint

- `sgd`: momentum (PyTorch's form: buf = momentum * buf + g, first step buf = g), optional
  Nesterov, weight decay added to the gradient.
- `adam`: Kingma & Ba with bias correction; weight decay added to the gradient.
- `spsa`: Spall's simultaneous perturbation stochastic approximation: each step estimates the
  gradient from two loss evaluations at p ± c_k Δ (Δ a random ±1 vector) and moves by
  a_k = lr / (k + 1 + A)^alpha; c_k = c / (k + 1)^gamma. Two evaluations per step whatever the
  number of parameters, and it copes with shot noise: the choice for hardware.

A schedule scales the learning rate per epoch (`lr_at`); `clip_norm` rescales the gradients when
their global L2 norm exceeds the limit.
"""

from __future__ import annotations

import math

import numpy as np


class Optimizer:
    name = "?"

    def __init__(self, cfg: dict, specs: dict):
        self.cfg = cfg
        self.t = 0
        self.slots: dict[str, dict[str, np.ndarray]] = {}

    def _decay(self, params, grads):
        wd = self.cfg.get("weight_decay", 0.0)
        if not wd:
            return grads
        return {k: g + wd * np.asarray(params[k]) for k, g in grads.items()}

    def state(self) -> dict[str, np.ndarray]:
        out = {"t": np.array(self.t, dtype=np.int64)}
        for slot, arrays in self.slots.items():
            for k, a in arrays.items():
                out[f"{slot}/{k}"] = a
        return out

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        for key, a in state.items():
            if key == "t":
                continue
            slot, name = key.split("/", 1)
            if slot in self.slots and name in self.slots[slot]:
                self.slots[slot][name] = np.array(a, dtype=float)


class SGD(Optimizer):
    name = "sgd"

    def __init__(self, cfg, specs):
        super().__init__(cfg, specs)
        if cfg.get("momentum"):
            self.slots["momentum"] = {k: np.zeros(shape) for k, (shape, _) in specs.items()}

    def step(self, params, grads, lr):
        grads = self._decay(params, grads)
        mu = self.cfg.get("momentum", 0.0)
        for k, g in grads.items():
            g = np.asarray(g, dtype=float).reshape(np.shape(params[k]))
            if mu:
                buf = self.slots["momentum"][k]
                buf[...] = g if self.t == 0 else mu * buf + g
                g = g + mu * buf if self.cfg.get("nesterov") else buf
            params[k] = params[k] - lr * g
        self.t += 1


class Adam(Optimizer):
    name = "adam"

    def __init__(self, cfg, specs):
        super().__init__(cfg, specs)
        self.slots["m"] = {k: np.zeros(shape) for k, (shape, _) in specs.items()}
        self.slots["v"] = {k: np.zeros(shape) for k, (shape, _) in specs.items()}

    def step(self, params, grads, lr):
        grads = self._decay(params, grads)
        b1, b2 = self.cfg["betas"]
        eps = self.cfg["eps"]
        self.t += 1
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for k, g in grads.items():
            g = np.asarray(g, dtype=float).reshape(np.shape(params[k]))
            m, v = self.slots["m"][k], self.slots["v"][k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            params[k] = params[k] - lr * (m / c1) / (np.sqrt(v / c2) + eps)


class SPSA(Optimizer):
    name = "spsa"

    def gain(self, lr: float) -> float:
        """a_k for this step, with `lr` (the scheduled learning rate) as a."""
        return lr / (self.t + 1 + self.cfg["A"]) ** self.cfg["alpha"]

    def perturbation(self) -> float:
        return self.cfg["c"] / (self.t + 1) ** self.cfg["gamma"]

    def step(self, params, grads, lr):
        a = self.gain(lr)
        for k, g in grads.items():
            params[k] = params[k] - a * np.asarray(g, dtype=float).reshape(np.shape(params[k]))
        self.t += 1


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "spsa": SPSA}


def make_optimizer(cfg: dict, specs: dict) -> Optimizer:
    return OPTIMIZERS[cfg["name"]](cfg, specs)


def lr_at(base: float, schedule: dict | None, epoch: int) -> float:
    """The learning rate of an epoch (counting from 0) under a schedule and its warm-up."""
    if not schedule:
        return base
    name = schedule["name"]
    if name == "step":
        lr = base * schedule["gamma"] ** (epoch // int(schedule["step_size"]))
    elif name == "exponential":
        lr = base * schedule["gamma"] ** epoch
    elif name == "cosine":
        t_max = max(float(schedule["t_max"]), 1.0)
        eta = schedule["eta_min"]
        lr = eta + (base - eta) * 0.5 * (1 + math.cos(math.pi * min(epoch, t_max) / t_max))
    else:
        lr = base
    warmup = schedule.get("warmup", 0)
    if warmup and epoch < warmup:
        lr *= (epoch + 1) / (warmup + 1)
    return lr


def clip_norm(grads: dict, limit: float | None) -> tuple[dict, float]:
    """(gradients scaled to a global L2 norm of at most `limit`, the norm before clipping)."""
    norm = math.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values()))
    if limit is None or norm <= limit or norm == 0:
        return grads, norm
    s = limit / norm
    return {k: g * s for k, g in grads.items()}, norm
