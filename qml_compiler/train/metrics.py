"""Metrics of predictions against labels: accuracy, macro precision / recall / F1 and the
confusion matrix for classifiers; MSE, MAE and R² for regressions.

    >>> confusion([0, 1, 1], [0, 1, 0], 2)
    array([[1, 0],
           [1, 1]])          # rows: true class, columns: predicted class
"""

from __future__ import annotations

import numpy as np


def confusion(y, pred, k: int) -> np.ndarray:
    m = np.zeros((k, k), dtype=np.int64)
    np.add.at(m, (np.asarray(y, dtype=np.intp), np.asarray(pred, dtype=np.intp)), 1)
    return m


def accuracy(y, pred) -> float:
    y = np.asarray(y)
    return float(np.mean(y == np.asarray(pred))) if len(y) else float("nan")


def _per_class(m: np.ndarray):
    tp = np.diag(m).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(m.sum(axis=0) > 0, tp / m.sum(axis=0), 0.0)
        recall = np.where(m.sum(axis=1) > 0, tp / m.sum(axis=1), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    present = m.sum(axis=1) > 0  # macro averages over the classes that occur
    return precision[present], recall[present], f1[present]


def classification_metrics(y, pred, k: int, names=("accuracy",)) -> dict:
    m = confusion(y, pred, k)
    p, r, f = _per_class(m)
    table = {"accuracy": accuracy(y, pred), "precision": float(p.mean()) if len(p) else 0.0,
             "recall": float(r.mean()) if len(r) else 0.0, "f1": float(f.mean()) if len(f) else 0.0}
    return {n: table[n] for n in names if n in table}


def regression_metrics(y, pred, names=("mse", "r2")) -> dict:
    y = np.asarray(y, dtype=float).reshape(-1)
    pred = np.asarray(pred, dtype=float).reshape(-1)
    err = pred - y
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    table = {"mse": float(np.mean(err ** 2)), "mae": float(np.mean(np.abs(err))),
             "r2": 1.0 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else float("nan")}
    return {n: table[n] for n in names if n in table}


def format_confusion(m: np.ndarray, classes) -> str:
    """A confusion matrix as text: rows true, columns predicted, labelled with the class names."""
    names = [str(c) for c in classes]
    w = max([len(n) for n in names] + [len(str(int(m.max()))) if m.size else 1, 4])
    head = " " * (w + 2) + " ".join(f"{n:>{w}}" for n in names) + "   <- predicted"
    rows = [f"{names[i]:>{w}}  " + " ".join(f"{int(v):>{w}}" for v in m[i]) for i in range(len(names))]
    return "\n".join([head, *rows])
