"""Losses with their gradients with respect to the model's output (batch means)."""

from __future__ import annotations

import numpy as np

from ..diagnostics import ConfigError, ShapeError

EPS = 1e-300


def _labels(targets: np.ndarray, width: int) -> np.ndarray:
    t = np.asarray(targets)
    if t.ndim == 2 and t.shape[1] == width:  # one-hot or probabilities
        return t.astype(float)
    t = t.reshape(-1)
    if t.dtype.kind in "iu":
        if len(t) and (t.min() < 0 or t.max() >= width):
            raise ShapeError(f"cross-entropy targets must be class labels 0..{width - 1}")
        onehot = np.zeros((len(t), width))
        onehot[np.arange(len(t)), t] = 1.0
        return onehot
    if not np.all((t == np.round(t)) & (t >= 0) & (t < width)):
        raise ShapeError(f"cross-entropy targets must be class labels 0..{width - 1} or one-hot rows "
                         f"of width {width}")
    onehot = np.zeros((len(t), width))
    onehot[np.arange(len(t)), t.astype(int)] = 1.0
    return onehot


def mse(out: np.ndarray, targets) -> tuple[float, np.ndarray]:
    t = np.asarray(targets, dtype=float).reshape(out.shape)
    diff = out - t
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size


def cross_entropy(out: np.ndarray, targets) -> tuple[float, np.ndarray]:
    """On probabilities (a softmax or a probs readout): -mean over the batch of sum t log p."""
    t = _labels(targets, out.shape[1])
    p = np.maximum(out, EPS)
    return float(-np.sum(t * np.log(p)) / len(out)), -t / p / len(out)


def bce(out: np.ndarray, targets) -> tuple[float, np.ndarray]:
    t = np.asarray(targets, dtype=float).reshape(out.shape)
    p = np.clip(out, 1e-15, 1 - 1e-15)
    n = out.size
    return float(-np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / n), (p - t) / (p * (1 - p)) / n


LOSSES = {"mse": mse, "cross_entropy": cross_entropy, "bce": bce}


def get(loss):
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ConfigError(f"unknown loss `{loss}`", hint=f"choose one of {', '.join(LOSSES)} or pass a function")
    return LOSSES[loss]
