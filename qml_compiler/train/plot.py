"""The training curves as a PNG (needs matplotlib: `pip install 'qml-compiler[train]'`): loss on
the left, accuracy (or R² for a regression) on the right, train and validation per epoch."""

from __future__ import annotations

import os

from ..diagnostics import ConfigError


def plot_curves(history: list[dict], path: str, title: str = "") -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("--plot needs matplotlib, which is not installed",
                          hint="pip install 'qml-compiler[train]' (or matplotlib)") from None
    epochs = [r["epoch"] for r in history]
    second = next((m for m in ("accuracy", "r2") if any(m in r for r in history)), None)
    fig, axes = plt.subplots(1, 2 if second else 1, figsize=(10 if second else 5.5, 4), squeeze=False)
    panels = [("loss", "loss")] + ([(second, "accuracy" if second == "accuracy" else "R²")] if second else [])
    for ax, (key, label) in zip(axes[0], panels):
        for prefix, style in (("", "-"), ("val_", "--")):
            ys = [r.get(prefix + key) for r in history]
            if any(y is not None for y in ys):
                ax.plot(epochs, ys, style, marker="o", markersize=3,
                        label=("validation" if prefix else "train"))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return path
