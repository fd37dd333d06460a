"""Micro-benchmark of the simulator kernels alone: `forward` and `backward` of
qml_compiler.runtime.kernels_numpy (gate by gate, the reference), kernels_layered (the NumPy
engine) and kernels_numba on programs shaped like the reference models, one thread.

Program: `layers` layers of [one fused single-qubit gate (a per-sample 2x2 matrix) on every qubit;
CNOT chain 0->1->...->n-1] (for n = 4 a ring, closed by 3->0, as R1), with rows in the order
runtime/program.py emits them (a qubit's fused gate is flushed just before the first CX that
touches it, so single-qubit and CX rows interleave). Defaults: n = 4, 8, 12, 16 with 3, 4, 6, 8
layers (R1, R2L, R3L and a 16-qubit extension); batch 32 and 360; random unitary matrices per
sample; backward with every slot's gradient needed.

Timing: `time.perf_counter` around one call, repeated in place (forward keeps applying the
program to its own output, backward keeps un-computing: both stay unitary); for numba one untimed
warm-up call first (compilation or cache load); median and min over the repetitions, which stop
after --budget seconds per case (at least 3, at most 200; just one where the first timed call
took longer than the budget). The NumPy kernels are skipped on states over --numpy-max-mb
(default 100 MB: at 16 qubits and batch 360 they would take minutes). As a reference for memory
traffic, "copy" is one np.copyto of the state (one read and one write of it). The numba
kernels' design and what each part of it gained is described in
qml_compiler/runtime/kernels_numba.py, the layered NumPy kernels' in kernels_layered.py.

    python benchmarks/kernels_micro.py [--qubits 4,8,12,16] [--batches 32,360] [--budget 1.0]
                                       [--engines numpy,layered,numba] [--numpy-max-mb 100]
                                       [--json FILE]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
             "RAYON_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qml_compiler.runtime import kernels_layered, kernels_numpy  # noqa: E402

LAYERS = {4: 3, 8: 4, 12: 6, 16: 8}


def model_program(n: int, layers: int, ring: bool):
    """Rows (kind, a, b, slot) in program.py's order, and the number of 2x2 slots."""
    rows = []
    n1 = 0
    for _ in range(layers):
        pending = set(range(n))
        pairs = [(q, q + 1) for q in range(n - 1)] + ([(n - 1, 0)] if ring and n > 2 else [])
        for c, t in pairs:
            for q in (c, t):
                if q in pending:
                    rows.append((0, q, -1, n1))
                    n1 += 1
                    pending.discard(q)
            rows.append((2, c, t, -1))
        for q in sorted(pending):
            rows.append((0, q, -1, n1))
            n1 += 1
    return np.array(rows, dtype=np.int64).reshape(-1, 4), n1


def random_unitaries(rng, count: int, batch: int, k: int) -> np.ndarray:
    z = rng.normal(size=(count, batch, k, k)) + 1j * rng.normal(size=(count, batch, k, k))
    q, r = np.linalg.qr(z)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return np.ascontiguousarray(q * (d / np.abs(d))[..., None, :])


def timeit(fn, budget: float, max_reps: int = 200, warm: bool = True):
    """(median, min, reps, first timed call) of fn's run time; an untimed warm-up call first
    unless warm=False (for the NumPy kernels, which compile nothing)."""
    if warm:
        fn()
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first > budget:  # a slow case: one call is the measurement
        return first, first, 1, first
    reps = max(3, min(max_reps, int(budget / max(first, 1e-7))))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), reps, first


def time_engine(name, mod, state, lam, code, mats1, mats2, need1, need2, budget) -> dict:
    """Forward and backward timings of one kernel module, on copies of state and lam."""
    out = {}
    warm = name != "numpy"
    s = state.copy()
    med, mn, reps, _ = timeit(lambda: mod.forward(s, code, mats1, mats2), budget, warm=warm)
    out.update({f"{name}_fwd_ms": med * 1e3, f"{name}_fwd_min_ms": mn * 1e3, f"{name}_fwd_reps": reps})
    p, lm = state.copy(), lam.copy()
    med, mn, reps, _ = timeit(lambda: mod.backward(p, lm, code, mats1, mats2, need1, need2), budget,
                              warm=warm)
    out.update({f"{name}_bwd_ms": med * 1e3, f"{name}_bwd_min_ms": mn * 1e3, f"{name}_bwd_reps": reps})
    return out


def run_case(n: int, batch: int, engines: dict, budget: float, numpy_max_mb: float, seed: int = 0):
    layers = LAYERS.get(n, max(1, n // 2))
    code, n1 = model_program(n, layers, ring=(n == 4))
    rng = np.random.default_rng(seed)
    mats1 = random_unitaries(rng, n1, batch, 2)
    mats2 = np.zeros((0, batch, 4, 4), dtype=complex)
    need1 = np.ones(n1, dtype=bool)
    need2 = np.zeros(0, dtype=bool)
    shape = (2 ** n, batch)
    state = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    state /= np.linalg.norm(state, axis=0)
    lam = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    out = {"n": n, "batch": batch, "layers": layers, "rows": len(code), "slots": n1,
           "state_MB": state.nbytes / 1e6}
    dst = np.empty_like(state)
    med, _, _, _ = timeit(lambda: np.copyto(dst, state), min(budget, 0.2))
    out["copy_ms"] = med * 1e3
    for name, mod in engines.items():
        if name in ("numpy", "layered") and state.nbytes / 1e6 > numpy_max_mb:
            continue
        out.update(time_engine(name, mod, state, lam, code, mats1, mats2, need1, need2, budget))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qubits", default="4,8,12,16")
    ap.add_argument("--batches", default="32,360")
    ap.add_argument("--engines", default="numpy,layered,numba",
                    help="numpy (gate by gate, the reference), layered (the NumPy engine's "
                         "kernels_layered), numba")
    ap.add_argument("--budget", type=float, default=1.0, help="seconds of repetitions per case")
    ap.add_argument("--numpy-max-mb", type=float, default=100.0,
                    help="skip the NumPy kernels on states larger than this")
    ap.add_argument("--json", default=None, help="also write the results to this file")
    args = ap.parse_args(argv)
    engines = {}
    for e in args.engines.split(","):
        if e == "numpy":
            engines["numpy"] = kernels_numpy
        elif e == "layered":
            engines["layered"] = kernels_layered
        elif e == "numba":
            t0 = time.perf_counter()
            from qml_compiler.runtime import kernels_numba
            print(f"# import kernels_numba: {time.perf_counter() - t0:.3f} s", flush=True)
            engines["numba"] = kernels_numba
        else:
            ap.error(f"unknown engine {e}")
    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"numpy {np.__version__}, one thread; times in ms, median (min) of the reps", flush=True)
    names = list(engines)
    head = f"{'n':>3} {'batch':>5} {'rows':>4} {'MB':>7} {'copy':>8}"
    for nm in names:
        head += f" {nm + ' fwd':>19} {nm + ' bwd':>19}"
    if set(names) >= {"numpy", "numba"}:
        head += f" {'fwd x':>7} {'bwd x':>7}"
    print(head, flush=True)
    results = []
    for n in [int(x) for x in args.qubits.split(",")]:
        for batch in [int(x) for x in args.batches.split(",")]:
            r = run_case(n, batch, engines, args.budget, args.numpy_max_mb)
            results.append(r)
            line = f"{n:>3} {batch:>5} {r['rows']:>4} {r['state_MB']:>7.2f} {r['copy_ms']:>8.4f}"
            for nm in names:
                for d in ("fwd", "bwd"):
                    if f"{nm}_{d}_ms" in r:
                        cell = f"{r[f'{nm}_{d}_ms']:.4g} ({r[f'{nm}_{d}_min_ms']:.4g})"
                    else:
                        cell = "-"
                    line += f" {cell:>19}"
            if set(names) >= {"numpy", "numba"} and "numpy_fwd_ms" in r:
                line += (f" {r['numpy_fwd_ms'] / r['numba_fwd_ms']:>7.1f}"
                         f" {r['numpy_bwd_ms'] / r['numba_bwd_ms']:>7.1f}")
            print(line, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "python": platform.python_version(),
                                               "numpy": np.__version__}, indent=1))


if __name__ == "__main__":
    main()
