"""Training speed: seconds per training epoch of the reference models of shared/anchors (R1, R2L,
R3L, R2, R3) for the project's runtime and for the peers, side by side in one run.

An epoch is forward + gradient + Adam update over the whole data set, batch 32, reshuffled every
epoch (numpy default_rng(0), one permutation per epoch), Adam lr 0.05, float64 / complex128,
initial weights from default_rng(1234) (quantum U[0, 2pi) of shape (L, n, 2) = (ry, rz) per layer
and qubit; R1's head W (2, 4) then b (2,) from the same generator, U(-0.5, 0.5)).

Paths (each model and path in its own subprocess, one thread, pinned to one CPU):
  qmlc-numba, qmlc-numpy        the project (`qml_compiler.compile`, -O2, numba kernels or the
                                pure-NumPy path), with a NumPy Adam identical to torch's
  qmlc-numba-O0, qmlc-numpy-O0  the same at -O0 (no light-cone pruning)
  qmlc-*-pruned                 R2 / R3 only: their <Z0> light cone written out by hand as a
                                small .qml model at -O0: the cost the light-cone pass should reach
  P1 .. P4                      the peers, configured as in shared/anchors/peers_train.py
                                (see benchmarks/peers/torch_paths.py)
A path whose warm-up step predicts an epoch over --epoch-cap seconds is timed on a few training
steps and extrapolated (labelled "extrapolated"). Every path's loss trajectory is compared with
the project's (epoch mean losses; per-step losses of the first epoch for extrapolated paths).

Also: the project's forward pass over each whole data set in one call (goal for R3L: <= 0.12 s),
and forward + gradient at 20 qubits (R3L's structure, 6 layers, random data, batch 32; goal < 10 s).

    python benchmarks/train_speed.py [--models R1,R2L,R3L,R2,R3] [--paths qmlc-numba,P1,...]
                                     [--epochs N] [--epoch-cap 60] [--quick] [--no-q20]

Writes benchmarks/results/train_speed.json and benchmarks/results/train_speed.md (rewritten after
every path, with "partial": true in the header until the run ends).
"""

from __future__ import annotations

import os

# The one-thread rule: set before any heavy import, inherited by every subprocess.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
               "RAYON_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from peers.models import (ADAM, BATCH, LR, MODELS, ORDER, SEED_SHUFFLE, epoch_batches,  # noqa: E402
                          init_weights, load_data, pruned_z0_qml, reupload_qml)

RESULT_MARK = "@@RESULT "

# ---- goals of shared/anchors/README.md
GOAL_SPEEDUP = {"R1": 50.0, "R2L": 20.0, "R3L": 20.0}
GOAL_R3L_FORWARD_S = 0.12
GOAL_NUMPY_R3L_SPEEDUP = 4.0
GOAL_Q20_S = 10.0
GOAL_PRUNED_RATIO = 1.25      # "R2/R3 epoch ~ the pruned circuit's": within 25 %
LOSS_TOL = 1e-8

# ---- paths
PROJECT_PATHS = {
    # name: (engine, optimisation: 2 / 0 / "O2-no-light-cone", the hand-pruned <Z0> cone?, description)
    "qmlc-numba": ("numba", 2, False, "qml_compiler -O2, numba kernels"),
    "qmlc-numpy": ("numpy", 2, False, "qml_compiler -O2, pure-NumPy path"),
    "qmlc-numba-O0": ("numba", 0, False, "qml_compiler -O0 (no passes), numba"),
    "qmlc-numpy-O0": ("numpy", 0, False, "qml_compiler -O0 (no passes), NumPy"),
    "qmlc-numba-nolc": ("numba", "O2-no-light-cone", False, "qml_compiler -O2 without its light-cone pass, numba"),
    "qmlc-numba-pruned": ("numba", 2, True, "the <Z0> light cone written out by hand, -O2, numba"),
    "qmlc-numpy-pruned": ("numpy", 2, True, "the <Z0> light cone written out by hand, -O2, NumPy"),
}
PEER_PATHS = {  # same as peers.torch_paths.PATHS, without importing torch in the parent
    "P1": ("pennylane", "PennyLane default.qubit, torch, backprop, broadcast batch"),
    "P2": ("pennylane-lightning", "PennyLane lightning.qubit, adjoint (per sample)"),
    "P3": ("pennylane", "PennyLane default.qubit, parameter shift, broadcast batch"),
    "P4": ("qiskit-machine-learning", "Qiskit ML EstimatorQNN + TorchConnector (default gradient)"),
}
PEER_DISTS = {"P1": ["pennylane", "torch"], "P2": ["pennylane", "pennylane_lightning", "torch"],
              "P3": ["pennylane", "torch"], "P4": ["qiskit", "qiskit-machine-learning", "torch"]}
ALL_PATHS = list(PROJECT_PATHS) + list(PEER_PATHS)
REFERENCE_PATH = "qmlc-numba"   # the project's figure for the goals and the loss comparison
DEFAULT_EPOCHS = {"R1": 30, "R2L": 3, "R3L": 3, "R2": 3, "R3": 3}     # as the anchors
PROJECT_MIN_EPOCHS = 10
# The anchors' figures (2026-11-24, 2 cores, the other core busy), for orientation only.
ANCHOR_EPOCH_S = {
    "P1": {"R1": 0.093, "R2L": 0.478, "R3L": 6.53, "R2": 0.517, "R3": 6.96},
    "P2": {"R1": 0.498, "R2L": 2.97, "R3L": 7.00, "R2": 3.12, "R3": 7.10},
    "P3": {"R1": 1.50, "R2": 10.5, "R3": 389},
    "P4": {"R1": 77.4, "R2": 209, "R3": 1379},
}

VERSION_DISTS = ["qml-compiler", "numpy", "scipy", "scikit-learn", "numba", "llvmlite", "torch", "pennylane",
                 "pennylane_lightning", "qiskit", "qiskit-machine-learning"]


def version_of(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def adam_torch_like(params: dict, grads: dict, state: dict) -> None:
    """torch.optim.Adam (amsgrad off, no weight decay) in NumPy, in place."""
    import numpy as np

    b1, b2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["eps"]
    state["t"] = t = state.get("t", 0) + 1
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    for name, p in params.items():
        g = grads[name]
        m = state.setdefault(("m", name), np.zeros_like(p))
        v = state.setdefault(("v", name), np.zeros_like(p))
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        p -= (LR / bc1) * m / (np.sqrt(v) / math.sqrt(bc2) + eps)


# --------------------------------------------------------------------------------------------
# Workers (run in a subprocess)


def compile_model(source: Path, name: str, opt, engine: str):
    """`opt`: an optimisation level, or "O2-no-light-cone" (the -O2 pipeline less its light-cone
    pass, read from the pass manager's table of levels)."""
    import qml_compiler as qc

    t0 = time.perf_counter()
    if opt == "O2-no-light-cone":
        from qml_compiler.passes.manager import LEVELS
        passes = ",".join(q for q in LEVELS[2].split(",") if q.strip() != "light-cone")
        cm = qc.compile(str(source), model=name, passes=passes, engine=engine)
    else:
        cm = qc.compile(str(source), model=name, opt_level=opt, engine=engine)
    return cm, time.perf_counter() - t0


def project_params(model: str, pruned_map: dict | None, cm) -> dict:
    """The anchors' initial weights under the project's parameter names; checked against the
    names and shapes that `init_params` declares."""
    import numpy as np

    qw, head = init_weights(model)
    theta, phi = qw[:, :, 0], qw[:, :, 1]
    if pruned_map is not None:
        params = {"circuit.theta": np.array([theta[l, i] for l, i in pruned_map["circuit.theta"]]),
                  "circuit.phi": np.array([phi[l, i] for l, i in pruned_map["circuit.phi"]])}
    else:
        params = {"circuit.theta": theta.copy(), "circuit.phi": phi.copy()}
    if head is not None:
        params["head.weight"], params["head.bias"] = head[0].copy(), head[1].copy()
    declared = cm.init_params(seed=0)
    got = {k: tuple(np.shape(v)) for k, v in declared.items()}
    want = {k: v.shape for k, v in params.items()}
    if got != want:
        raise SystemExit(f"parameter names/shapes differ: the model declares {got}, the benchmark sets {want}")
    return {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in params.items()}


def worker_project(model: str, path: str, epochs: int, epoch_cap: float, extrap_batches: int,
                   forward_repeats: int) -> dict:
    import numpy as np

    engine, opt_level, pruned, _ = PROJECT_PATHS[path]
    cfg = MODELS[model]
    pruned_map = None
    with tempfile.TemporaryDirectory(prefix="qmlc-bench-") as tmp:
        if pruned:
            src, pruned_map = pruned_z0_qml(model, f"{model.lower()}_z0_cone")
            source, name = Path(tmp) / "pruned.qml", f"{model.lower()}_z0_cone"
            source.write_text(src, encoding="utf-8")
        else:
            source, name = ROOT / cfg["qml"][0], cfg["qml"][1]
        cm, compile_s = compile_model(source, name, opt_level, engine)
    params = project_params(model, pruned_map, cm)
    engine_used = getattr(cm, "engine_used", engine)
    X, y = load_data(model)
    N = len(X)
    loss_kind = cfg["loss"]

    def grad(idx):
        return cm.gradient({"x": X[idx]}, params, loss=loss_kind, targets=y[idx])

    # forward over the whole data set in one call (initial weights)
    t0 = time.perf_counter()
    cm.forward({"x": X}, params)
    first_forward = time.perf_counter() - t0
    fwd = []
    for _ in range(forward_repeats):
        t0 = time.perf_counter()
        cm.forward({"x": X}, params)
        fwd.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    grad(np.arange(BATCH))   # warm-up, no update (the trajectory is unchanged)
    warmup = time.perf_counter() - t0
    predicted = warmup * N / BATCH
    state: dict = {}
    rng = np.random.default_rng(SEED_SHUFFLE)
    times, step_losses, epoch_losses = [], [], []
    out = {"compile_s": compile_s, "engine_used": engine_used, "first_forward_s": first_forward, "forward_full_s": fwd,
           "warmup_s": warmup, "predicted_epoch_s": predicted, "n_samples": N,
           "n_params": int(sum(v.size for v in params.values()))}
    if predicted > epoch_cap:
        for b in [b for b in epoch_batches(N, rng) if len(b) == BATCH][:max(1, extrap_batches)]:
            t0 = time.perf_counter()
            loss, g = grad(b)
            adam_torch_like(params, g, state)
            times.append((time.perf_counter() - t0) * N / BATCH)
            step_losses.append(float(loss))
        out.update(extrapolated=True, steps_timed=len(times),
                   extrapolation=f"epoch = one 32-sample training step x {N}/32; {len(times)} steps timed")
    else:
        for ep in range(epochs):
            batches = epoch_batches(N, rng)
            total = 0.0
            t0 = time.perf_counter()
            for b in batches:
                loss, g = grad(b)
                adam_torch_like(params, g, state)
                total += float(loss) * len(b)
                if ep == 0:
                    step_losses.append(float(loss))
            times.append(time.perf_counter() - t0)
            epoch_losses.append(total / N)
        out.update(extrapolated=False)
    out.update(epoch_s=times, epoch_losses=epoch_losses, step_losses=step_losses)
    return out


def worker_q20(engine: str, repeats: int, budget: float, n: int = 20, layers: int = 6) -> dict:
    """Forward, and forward + gradient (one `gradient` call), of an R3L-shaped model at n qubits
    on 32 random samples, `repeats` times or until `budget` seconds are spent (at least once);
    plus a central-difference check of one gradient entry."""
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="qmlc-bench-") as tmp:
        source = Path(tmp) / "q20.qml"
        source.write_text(reupload_qml(f"reupload_{n}q_last", n, layers, n - 1), encoding="utf-8")
        cm, compile_s = compile_model(source, f"reupload_{n}q_last", 2, engine)
    rng = np.random.default_rng(0)
    X = rng.uniform(-np.pi, np.pi, size=(BATCH, n))
    t = np.where(rng.random(BATCH) < 0.5, -1.0, 1.0)
    params = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in cm.init_params(seed=0).items()}
    t0 = time.perf_counter()
    cm.gradient({"x": X[:2]}, params, loss="mse", targets=t[:2])  # warm-up on 2 samples (JIT, caches)
    warmup = time.perf_counter() - t0
    fwd, fg = [], []
    started = time.perf_counter()
    for _ in range(repeats):
        if fg and time.perf_counter() - started > budget:   # far off the goal: one run says enough
            break
        t0 = time.perf_counter()
        out = cm.forward({"x": X}, params)
        fwd.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        loss, grads = cm.gradient({"x": X}, params, loss="mse", targets=t)
        fg.append(time.perf_counter() - t0)
    # check one entry against a central difference
    name = "circuit.theta"
    h = 1e-5
    idx = (layers // 2, n // 2)
    losses = []
    for sign in (1, -1):
        p2 = {k: v.copy() for k, v in params.items()}
        p2[name][idx] += sign * h
        yv = cm.forward({"x": X}, p2)["y"][:, 0]
        losses.append(float(np.mean((yv - t) ** 2)))
    fd = (losses[0] - losses[1]) / (2 * h)
    loss_fwd = float(np.mean((out["y"][:, 0] - t) ** 2))
    return {"compile_s": compile_s, "engine_used": getattr(cm, "engine_used", engine), "warmup_s": warmup,
            "forward_s": fwd, "forward_gradient_s": fg,
            "n_qubits": n, "layers": layers, "batch": BATCH,
            "check": {"loss_gradient": float(loss), "loss_forward": loss_fwd,
                      "grad_entry": float(grads[name][idx]), "central_difference": fd, "entry": [name, *idx]}}


def worker_main(args) -> int:
    if args.path in PEER_PATHS:
        from peers.torch_paths import train
        res = train(args.model, args.path, args.epochs, args.epoch_cap, args.extrap_batches, args.extrap_budget)
    elif args.path == "q20":
        res = worker_q20(args.engine, args.repeats, args.extrap_budget)
    else:
        res = worker_project(args.model, args.path, args.epochs, args.epoch_cap, args.extrap_batches,
                             args.repeats)
    res["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(RESULT_MARK + json.dumps(res), flush=True)
    return 0


# --------------------------------------------------------------------------------------------
# Driver


def pin_to_one_cpu(cpu: int | None) -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    chosen = cpu if cpu is not None else allowed[-1]
    os.sched_setaffinity(0, {chosen})
    return chosen


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    for var in THREAD_VARS:
        env[var] = "1"
    return env


def run_worker(argv: list[str], timeout: float) -> tuple[dict | None, str | None, float]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", *argv], cwd=ROOT,
                              env=child_env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s", time.perf_counter() - t0
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):]), None, wall
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-12:]
    return None, f"exit {proc.returncode}: " + " | ".join(tail), wall


def project_available() -> tuple[bool, str]:
    """Whether `qml_compiler.compile` imports in the workers' environment; (True, the package's
    location) or (False, why not)."""
    proc = subprocess.run([sys.executable, "-c", "import qml_compiler as q; q.compile; print(q.__file__)"], cwd=ROOT,
                          env=child_env(), capture_output=True, text=True)
    if proc.returncode == 0:
        return True, proc.stdout.strip()
    return False, (proc.stderr.strip().splitlines() or ["?"])[-1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_state() -> dict:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return {"commit": head or None, "dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def summary(samples: list[float]) -> dict:
    return {"value": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples),
            "samples": [round(s, 6) for s in samples]}


def tool_of(path: str) -> str:
    return "qml_compiler" if path in PROJECT_PATHS else PEER_PATHS[path][0]


def describe(path: str) -> str:
    return PROJECT_PATHS[path][3] if path in PROJECT_PATHS else PEER_PATHS[path][1]


def applies(path: str, model: str) -> bool:
    """The hand-pruned cone and the no-light-cone pipeline only mean something for R2 and R3."""
    return not ((path.endswith("-pruned") or path.endswith("-nolc")) and model not in ("R2", "R3"))


def max_dev(a: list[float], b: list[float]) -> float | None:
    k = min(len(a), len(b))
    return max(abs(a[i] - b[i]) for i in range(k)) if k else None


def analyse(results: dict, models: list[str]) -> tuple[list[dict], list[dict]]:
    """Records and goal verdicts from {(model, path): worker result or {"error": ...}}."""
    records, goals = [], []
    epoch = {}
    for (model, path), res in results.items():
        if path == "q20":
            continue
        case = f"{model}/{path}"
        base = {"case": case, "tool": tool_of(path), "path": path, "what": describe(path)}
        if "error" in res:
            records.append({**base, "metric": "epoch_time", "unit": "s", "value": None, "error": res["error"]})
            continue
        s = summary(res["epoch_s"])
        epoch[(model, path)] = s["value"]
        rec = {**base, "metric": "epoch_time", "unit": "s", **s, "extrapolated": res["extrapolated"],
               "epochs_run": len(res["epoch_losses"]), "warmup_s": round(res["warmup_s"], 4),
               "epoch_losses": res["epoch_losses"], "step_losses_first_epoch": res["step_losses"][:12]}
        for key in ("extrapolation", "compile_s", "engine_used", "n_params", "loadavg_end"):
            if key in res:
                rec[key] = res[key]
        if path in ANCHOR_EPOCH_S and model in ANCHOR_EPOCH_S[path]:
            rec["anchor_value"] = ANCHOR_EPOCH_S[path][model]
        records.append(rec)
        if path in PROJECT_PATHS and res.get("forward_full_s"):
            records.append({**base, "metric": "forward_time_full_dataset", "unit": "s",
                            **summary(res["forward_full_s"]), "batch": res["n_samples"],
                            "first_call_s": round(res["first_forward_s"], 4)})
    # loss trajectories against the project's
    for model in models:
        ref_path = next((p for p in [REFERENCE_PATH, *PROJECT_PATHS, "P1"]
                         if "epoch_losses" in results.get((model, p), {})), None)
        if ref_path is None:
            continue
        ref = results[(model, ref_path)]
        for path in ALL_PATHS:
            res = results.get((model, path))
            if not res or "error" in res or path == ref_path:
                continue
            dev_epoch = max_dev(res["epoch_losses"], ref["epoch_losses"])
            dev_step = max_dev(res["step_losses"], ref["step_losses"])
            records.append({"case": f"{model}/{path}", "tool": tool_of(path), "path": path,
                            "metric": "loss_max_abs_dev", "unit": "loss",
                            "value": dev_epoch if dev_epoch is not None else dev_step,
                            "against": ref_path, "epochs_compared": min(len(res["epoch_losses"]),
                                                                         len(ref["epoch_losses"])),
                            "step_losses_compared": min(len(res["step_losses"]), len(ref["step_losses"])),
                            "epoch_loss_dev": dev_epoch, "first_epoch_step_loss_dev": dev_step,
                            "within_tolerance": (max(d for d in (dev_epoch, dev_step) if d is not None)
                                                 <= LOSS_TOL) if (dev_epoch, dev_step) != (None, None) else None})
    # ratios against the fastest peer of each model
    fastest = {}
    for model in models:
        peers = [(epoch[(model, p)], p) for p in PEER_PATHS if (model, p) in epoch]
        if peers:
            fastest[model] = min(peers)
    for model in models:
        if model not in fastest:
            continue
        peer_s, peer_path = fastest[model]
        for path in PROJECT_PATHS:
            if (model, path) in epoch:
                records.append({"case": f"{model}/{path}", "tool": "qml_compiler", "path": path,
                                "metric": "speedup_vs_fastest_peer", "unit": "x",
                                "value": peer_s / epoch[(model, path)], "fastest_peer": peer_path,
                                "fastest_peer_epoch_s": peer_s, "epoch_s": epoch[(model, path)]})

    def goal(name, measured, limit, holds, detail):
        goals.append({"goal": name, "measured": measured, "limit": limit,
                      "holds": holds, "result": "PASS" if holds else ("FAIL" if holds is not None else "n/a"),
                      "detail": detail})

    for model, need in GOAL_SPEEDUP.items():
        if model not in models:
            continue
        e = epoch.get((model, REFERENCE_PATH))
        if e is None or model not in fastest:
            goal(f"{model}: project >= {need:g}x the fastest peer", None, need, None,
                 "not measured (project or peers missing)")
            continue
        r = fastest[model][0] / e
        goal(f"{model}: project >= {need:g}x the fastest peer", r, need, r >= need,
             f"{REFERENCE_PATH} {e * 1e3:.3g} ms/epoch vs {fastest[model][1]} {fastest[model][0] * 1e3:.4g} ms/epoch "
             f"= {r:.1f}x (needs <= {fastest[model][0] / need * 1e3:.3g} ms)")
    if "R3L" in models:
        res = results.get(("R3L", REFERENCE_PATH), {})
        if res.get("forward_full_s"):
            f = statistics.median(res["forward_full_s"])
            goal("R3L: forward over all 360 samples <= 0.12 s", f, GOAL_R3L_FORWARD_S, f <= GOAL_R3L_FORWARD_S,
                 f"{REFERENCE_PATH}: {f * 1e3:.1f} ms (median of {len(res['forward_full_s'])}, one call, batch 360)")
        else:
            goal("R3L: forward over all 360 samples <= 0.12 s", None, GOAL_R3L_FORWARD_S, None, "not measured")
        e = epoch.get(("R3L", "qmlc-numpy"))
        if e is not None and "R3L" in fastest:
            r = fastest["R3L"][0] / e
            goal("R3L: pure-NumPy path >= 4x the fastest peer", r, GOAL_NUMPY_R3L_SPEEDUP,
                 r >= GOAL_NUMPY_R3L_SPEEDUP,
                 f"qmlc-numpy {e:.3g} s/epoch vs {fastest['R3L'][1]} {fastest['R3L'][0]:.3g} s/epoch = {r:.1f}x")
        else:
            goal("R3L: pure-NumPy path >= 4x the fastest peer", None, GOAL_NUMPY_R3L_SPEEDUP, None, "not measured")
    q = results.get(("Q20", "q20"))
    if q is not None:
        if "error" in q:
            goal("20 qubits: forward + gradient (batch 32) < 10 s", None, GOAL_Q20_S, None, q["error"])
        else:
            fg = statistics.median(q["forward_gradient_s"])
            fw = statistics.median(q["forward_s"])
            records.append({"case": "Q20/qmlc-numba", "tool": "qml_compiler", "path": "qmlc-numba",
                            "metric": "forward_gradient_time", "unit": "s", **summary(q["forward_gradient_s"]),
                            "engine_used": q.get("engine_used"),
                            "what": "one gradient() call (forward + adjoint gradient + loss), 20 qubits, 6 layers, "
                                    "batch 32", "check": q["check"], "warmup_s": q["warmup_s"],
                            "compile_s": q["compile_s"]})
            records.append({"case": "Q20/qmlc-numba", "tool": "qml_compiler", "path": "qmlc-numba",
                            "metric": "forward_time", "unit": "s", **summary(q["forward_s"]),
                            "what": "one forward() call, 20 qubits, 6 layers, batch 32"})
            goal("20 qubits: forward + gradient (batch 32) < 10 s", fg, GOAL_Q20_S, fg < GOAL_Q20_S,
                 f"forward + gradient {fg:.2f} s, forward alone {fw:.2f} s (medians of {len(q['forward_s'])})")
    for model in ("R2", "R3"):
        if model not in models:
            continue
        e, p = epoch.get((model, REFERENCE_PATH)), epoch.get((model, "qmlc-numba-pruned"))
        e0 = epoch.get((model, "qmlc-numba-O0"))
        enl = epoch.get((model, "qmlc-numba-nolc"))
        name = f"{model}: -O2 epoch ~ the hand-pruned circuit's (within {GOAL_PRUNED_RATIO:g}x)"
        if e is None or p is None:
            goal(name, None, GOAL_PRUNED_RATIO, None, "not measured")
            continue
        r = e / p
        extra = "".join(f"; {label} {x * 1e3:.3g} ms ({x / e:.1f}x the -O2 epoch)"
                        for label, x in (("-O2 without light-cone", enl), ("-O0", e0)) if x)
        goal(name, r, GOAL_PRUNED_RATIO, r <= GOAL_PRUNED_RATIO,
             f"{REFERENCE_PATH}: -O2 {e * 1e3:.3g} ms vs the hand-pruned cone at -O2 {p * 1e3:.3g} ms = {r:.2f}x{extra}")
    return records, goals


# --------------------------------------------------------------------------------------------
# Reports


def fmt_s(v: float | None) -> str:
    if v is None:
        return "—"
    if v < 0.01:
        return f"{v * 1e3:.2f} ms"
    if v < 1:
        return f"{v * 1e3:.1f} ms"
    if v < 100:
        return f"{v:.2f} s"
    return f"{v:,.0f} s"


def write_reports(out_dir: Path, header: dict, records: list[dict], goals: list[dict], models: list[str],
                  paths: list[str]) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "train_speed.json").write_text(
        json.dumps({"header": header, "goals": goals, "records": records}, indent=2) + "\n", encoding="utf-8")
    h, m = header, header["machine"]
    v = h["versions"]
    by = {(r["case"], r["metric"]): r for r in records}
    lines = [
        "# Training speed",
        "",
        ("**Partial results: the run has not finished.**\n" if h.get("partial") else "")
        + f"Produced by `{h['command']}` on {h['date']}.",
        "",
        f"Machine: {m['processor']}, {m['cpu_count']} CPUs ({m['platform']}), Python {m['python']}; every path in its "
        f"own process, pinned to CPU {m['pinned_cpu']}, one thread. Load average before/after: "
        f"{m['loadavg_before']} / {m['loadavg_after']}.",
        "Versions: " + ", ".join(f"{k} {v[k]}" for k in VERSION_DISTS)
        + f" (qml_compiler git {(h['git']['commit'] or '?')[:10]}{', uncommitted changes' if h['git']['dirty'] else ''}).",
        "",
        "Seconds per training epoch (forward + gradient + Adam update over the whole data set, batch 32, "
        "reshuffled every epoch), medians over the timed epochs; *extrap.* = timed on a few 32-sample "
        "training steps of the first epoch and extrapolated (the warm-up step predicted an epoch over "
        f"{h['settings']['epoch_cap']:g} s). Data sets: R1 256 samples, the others 360.",
        "",
        "## Seconds per epoch",
        "",
        "| path | " + " | ".join(f"{mod} ({MODELS[mod]['n']} q{', <Z0>' if MODELS[mod]['readout'] == [0] else ''})"
                                   for mod in models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for path in paths:
        cells = []
        any_cell = False
        for mod in models:
            r = by.get((f"{mod}/{path}", "epoch_time"))
            if r is None:
                cells.append("—")
            elif r.get("value") is None:
                cells.append("failed")
                any_cell = True
            else:
                cells.append(fmt_s(r["value"]) + (" (extrap.)" if r.get("extrapolated") else ""))
                any_cell = True
        if any_cell:
            lines.append(f"| {path}: {describe(path)} | " + " | ".join(cells) + " |")
    lines += ["", "## Speed-up over the fastest peer (peer epoch / project epoch, this run)", "",
              "| project path | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for path in PROJECT_PATHS:
        cells = []
        for mod in models:
            r = by.get((f"{mod}/{path}", "speedup_vs_fastest_peer"))
            cells.append(f"{r['value']:.1f}x (vs {r['fastest_peer']})" if r else "—")
        if any(c != "—" for c in cells):
            lines.append(f"| {path} | " + " | ".join(cells) + " |")
    lines += ["", "## Goals (shared/anchors/README.md)", "", "| goal | result | figures |", "|---|---|---|"]
    for g in goals:
        lines.append(f"| {g['goal']} | {g['result']} | {g['detail']} |")
    lines += ["", "## The project's forward pass over the whole data set (one call)", "",
              "| path | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for path in PROJECT_PATHS:
        cells = [fmt_s(by[(f"{mod}/{path}", "forward_time_full_dataset")]["value"])
                 if (f"{mod}/{path}", "forward_time_full_dataset") in by else "—" for mod in models]
        if any(c != "—" for c in cells):
            lines.append(f"| {path} | " + " | ".join(cells) + " |")
    q = [r for r in records if r["case"].startswith("Q20/")]
    if q:
        lines += ["", "## 20 qubits (R3L's structure: 6 layers, readout <Z19>, 32 random samples)", "",
                  "| figure | median | min | max | n |", "|---|---|---|---|---|"]
        for r in q:
            lines.append(f"| {r['metric']} | {fmt_s(r['value'])} | {fmt_s(r['min'])} | {fmt_s(r['max'])} | {r['n']} |")
        c = next((r["check"] for r in q if "check" in r), None)
        if c:
            lines.append("")
            lines.append(f"Check: d loss / d {c['entry'][0]}[{c['entry'][1]}, {c['entry'][2]}] = {c['grad_entry']:.10g} "
                         f"(gradient) vs {c['central_difference']:.10g} (central difference, h = 1e-5); loss "
                         f"{c['loss_gradient']:.12g} from gradient() vs {c['loss_forward']:.12g} from forward().")
    lines += ["", "## Loss trajectories", "",
              "Mean loss of the first epochs per path (the first training steps' losses for extrapolated paths), "
              f"and the largest deviation from the project's ({REFERENCE_PATH}) over the epochs (or steps) both ran.",
              "", "| model | path | first losses | max abs deviation |", "|---|---|---|---|"]
    for mod in models:
        for path in paths:
            r = by.get((f"{mod}/{path}", "epoch_time"))
            if not r or r.get("value") is None:
                continue
            first = r["epoch_losses"][:3] or r["step_losses_first_epoch"][:3]
            kind = "epochs" if r["epoch_losses"] else "steps"
            d = by.get((f"{mod}/{path}", "loss_max_abs_dev"))
            dev = "reference" if d is None else (f"{d['value']:.1e}" if d["value"] is not None else "—")
            lines.append(f"| {mod} | {path} | {kind}: " + ", ".join(f"{x:.10f}" for x in first) + f" | {dev} |")
    lines += ["", "## The anchors' figures, for orientation", "",
              "shared/anchors/README.md, measured 2026-11-24 on a machine of this kind with the other core busy "
              "(this run: the other core as it happened to be).", "",
              "| path | R1 | R2L | R3L | R2 | R3 |", "|---|---|---|---|---|---|"]
    for path, row in ANCHOR_EPOCH_S.items():
        lines.append(f"| {path} | " + " | ".join(fmt_s(row.get(mod)) for mod in ORDER) + " |")
    if h.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in h["notes"]]
    text = "\n".join(lines) + "\n"
    (out_dir / "train_speed.md").write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(ORDER), help="comma-separated, from " + ",".join(ORDER))
    p.add_argument("--paths", default=",".join(ALL_PATHS), help="comma-separated, from " + ",".join(ALL_PATHS))
    p.add_argument("--epochs", type=int, default=None,
                   help="timed epochs per peer path (default: R1 30, the others 3, as the anchors); the project's "
                        f"paths run at least {PROJECT_MIN_EPOCHS}")
    p.add_argument("--epoch-cap", type=float, default=60.0,
                   help="extrapolate a path whose warm-up step predicts a longer epoch (s)")
    p.add_argument("--extrap-batches", type=int, default=3, help="training steps timed for an extrapolated path")
    p.add_argument("--extrap-budget", type=float, default=150.0,
                   help="fewer extrapolation steps (at least 1) if they would take longer than this (s)")
    p.add_argument("--repeats", type=int, default=7, help="repeats of the forward-pass timings")
    p.add_argument("--q20-repeats", type=int, default=3)
    p.add_argument("--no-q20", action="store_true", help="skip the 20-qubit case")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 2 epochs (project 3), epoch cap 10 s, 1 extrapolation step, 3 repeats")
    p.add_argument("--timeout", type=float, default=1800.0, help="per-path limit (s)")
    p.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last one allowed)")
    p.add_argument("--out-dir", type=Path, default=BENCH / "results")
    p.add_argument("--note", action="append", default=[], help="a note for the report (repeatable)")
    # worker mode (internal)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--path", help=argparse.SUPPRESS)
    p.add_argument("--engine", default="numba", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker_main(args)

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    paths = [q.strip() for q in args.paths.split(",") if q.strip()]
    for m in models:
        if m not in MODELS:
            p.error(f"unknown model {m}")
    for q in paths:
        if q not in ALL_PATHS:
            p.error(f"unknown path {q}")
    if args.quick:
        args.epoch_cap = min(args.epoch_cap, 10.0)
        args.extrap_batches = 1
        args.repeats = 3
        args.q20_repeats = 1
    pinned = pin_to_one_cpu(args.cpu)
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    notes: list[str] = list(args.note)
    command = shlex.join(["python", "benchmarks/train_speed.py"] + (sys.argv[1:] if argv is None else argv))
    versions = {d: version_of(d) for d in VERSION_DISTS}

    ok, why = project_available()
    if not ok:
        notes.append(f"The project's runtime is not available (`qml_compiler.compile`: {why}); its paths were "
                     "skipped and the loss trajectories are compared with P1.")
    missing = {q: [d for d in PEER_DISTS[q] if versions.get(d) is None] for q in PEER_PATHS}
    for q, miss in missing.items():
        if miss and q in paths:
            notes.append(f"{q} skipped: {', '.join(miss)} not installed.")

    if "P4" in paths:
        notes.append("P4: qiskit-machine-learning's TorchConnector keeps its weights and hands back outputs and "
                      "gradients as torch.float (float32), whatever torch's default dtype; its losses therefore "
                      "differ from the float64 paths by float32 rounding (about 1e-8 to 1e-7).")
    results: dict = {}

    def header(partial: bool) -> dict:
        return {
            "suite": "train_speed", "partial": partial,
            "machine": {"platform": platform.platform(), "processor": cpu_model(), "machine": platform.machine(),
                        "cpu_count": os.cpu_count(), "python": platform.python_version(), "pinned_cpu": pinned,
                        "threads": {v: os.environ[v] for v in THREAD_VARS}, "loadavg_before": loadavg_before,
                        "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
            "versions": versions, "git": git_state(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": command, "interpreter": sys.executable, "qml_compiler_file": why if ok else None,
            "settings": {"models": models, "paths": paths, "epochs": args.epochs or DEFAULT_EPOCHS,
                         "project_min_epochs": PROJECT_MIN_EPOCHS if not args.quick else 3,
                         "epoch_cap": args.epoch_cap, "extrap_batches": args.extrap_batches,
                         "extrap_budget": args.extrap_budget, "forward_repeats": args.repeats,
                         "q20_repeats": args.q20_repeats, "batch": BATCH, "lr": LR, "adam": ADAM,
                         "seed_shuffle": SEED_SHUFFLE, "seed_init": 1234, "reference_path": REFERENCE_PATH,
                         "loss_tolerance": LOSS_TOL, "goal_pruned_ratio": GOAL_PRUNED_RATIO},
            "notes": notes,
        }

    def report(partial: bool) -> str:
        records, goals = analyse(results, models)
        h = header(partial)
        fallback = sorted({f"{m}/{q}" for (m, q), r in results.items()
                           if r.get("engine_used") and r["engine_used"] != (PROJECT_PATHS[q][0] if q in PROJECT_PATHS
                                                                            else "numba")})
        if fallback:
            h["notes"] = notes + [f"The numba engine ran on NumPy (`CompiledModel.engine_used`) in: {', '.join(fallback)}: "
                                  "the runtime has no numba kernel for them yet, so their figures are the NumPy path's."]
        return write_reports(args.out_dir, h, records, goals, models, paths)

    for model in models:
        for path in paths:
            if not applies(path, model):
                continue
            if path in PROJECT_PATHS and not ok:
                continue
            if path in PEER_PATHS and missing[path]:
                continue
            epochs = args.epochs or DEFAULT_EPOCHS[model]
            if args.quick:
                epochs = 2 if args.epochs is None else args.epochs
            if path in PROJECT_PATHS:
                epochs = max(epochs, 3 if args.quick else PROJECT_MIN_EPOCHS)
            argv_w = ["--model", model, "--path", path, "--epochs", str(epochs), "--epoch-cap", str(args.epoch_cap),
                      "--extrap-batches", str(args.extrap_batches), "--extrap-budget", str(args.extrap_budget),
                      "--repeats", str(args.repeats)]
            print(f"[{time.strftime('%H:%M:%S')}] {model} {path} ...", file=sys.stderr, flush=True)
            res, err, wall = run_worker(argv_w, args.timeout)
            if err:
                print(f"    failed: {err}", file=sys.stderr, flush=True)
                notes.append(f"{model} {path} failed: {err}")
                results[(model, path)] = {"error": err}
            else:
                res["wall_s"] = wall
                results[(model, path)] = res
                print(f"    epoch median {statistics.median(res['epoch_s']):.5g} s"
                      f"{' (extrapolated)' if res['extrapolated'] else ''}; wall {wall:.1f} s",
                      file=sys.stderr, flush=True)
            report(partial=True)
    if ok and not args.no_q20 and "qmlc-numba" in paths:
        print(f"[{time.strftime('%H:%M:%S')}] 20 qubits ...", file=sys.stderr, flush=True)
        res, err, wall = run_worker(["--path", "q20", "--engine", "numba", "--repeats", str(args.q20_repeats),
                                     "--extrap-budget", str(args.extrap_budget)], args.timeout)
        results[("Q20", "q20")] = res if res is not None else {"error": err}
    md = report(partial=False)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
