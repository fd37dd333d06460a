"""What a training run shows and writes as it goes: a progress bar with the running loss and the
time left (tqdm when installed, else a plain one on a terminal), one line per epoch, and the
metrics log as CSV and JSON lines.

The bar is quiet under `--quiet`, when the environment variable `CI` is set to anything but
false/0, and when standard error is not a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Progress:
    def __init__(self, total: int, initial: int = 0, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.n = total, initial
        self.enabled = not quiet and not in_ci() and getattr(self.stream, "isatty", lambda: False)()
        self.bar = None
        self._last = 0.0
        self._start = time.perf_counter()
        self._start_n = initial
        if self.enabled:
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, initial=initial, unit="step", leave=False, file=self.stream,
                                dynamic_ncols=True, mininterval=0.1)
            except ImportError:
                self.bar = None

    def update(self, n: int = 1, **postfix) -> None:
        self.n += n
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(n)
            now = time.perf_counter()
            if postfix and now - self._last > 0.1:
                self.bar.set_postfix({k: f"{v:.4f}" if isinstance(v, float) else v for k, v in postfix.items()},
                                     refresh=False)
                self._last = now
            return
        now = time.perf_counter()
        if now - self._last < 0.1 and self.n < self.total:
            return
        self._last = now
        done = self.n - self._start_n
        rate = done / max(now - self._start, 1e-9)
        eta = (self.total - self.n) / rate if rate > 0 else 0.0
        width = 30
        fill = int(width * self.n / max(self.total, 1))
        extra = "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in postfix.items())
        self.stream.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {self.n}/{self.total}  {extra}  "
                          f"ETA {eta:5.1f}s ")
        self.stream.flush()

    def write(self, line: str, out=None) -> None:
        """Print a line above the bar."""
        out = out or sys.stdout
        if self.enabled and self.bar is not None:
            self.bar.write(line, file=out)
        else:
            if self.enabled:
                self.stream.write("\r\033[K")
            print(line, file=out, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def metrics_csv(history: list[dict]) -> str:
    keys: list[str] = []
    for row in history:
        keys += [k for k in row if k not in keys]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
    w.writeheader()
    for row in history:
        w.writerow({k: _fmt(row.get(k)) for k in keys})
    return buf.getvalue()


def _fmt(v):
    if isinstance(v, float):
        return repr(v)
    return "" if v is None else v


def metrics_jsonl(history: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in history)


def epoch_line(row: dict, epochs: int, previous: dict | None = None) -> str:
    """`epoch 3/30  loss 0.1762  accuracy 0.9657  0.04s` (the epoch's own time, metrics included)."""
    parts = [f"epoch {row['epoch']:>{len(str(epochs))}}/{epochs}"]
    for k, v in row.items():
        if k in ("epoch", "step", "time", "lr"):
            continue
        parts.append(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}")
    seconds = row["time"] - (previous["time"] if previous else 0.0)
    parts.append(f"{seconds:.2f}s")
    return "  ".join(parts)
