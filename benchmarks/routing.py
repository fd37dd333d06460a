"""Routing benchmark: this compiler's quantum stage against Qiskit and pytket, side by side, on the
same circuits and coupling maps.

For every (target, circuit) case one worker process compiles the same pytket circuit with

  qml_compiler      `qml_compiler.quantum.compile_circuit` at its default level (seed 0, no cache)
  qiskit-O1/-O3     `qiskit.transpile`, optimization_level 1 / 3, seed_transpiler=0
  qiskit-O3-best5   level 3, seeds 0..4, the fewest two-qubit gates kept
  pytket-plain      FullPeepholeOptimise, DefaultMappingPass, rebase, clean-up
  pytket-qiskit     pytket-qiskit's IBM default compilation pass (level 2, Qiskit's Sabre mapping)

(peers configured as in shared/anchors/peers_route.py; code in benchmarks/peers/routing_peers.py)
and records the two-qubit gates of the native result, its depth and two-qubit depth, and the wall
time of the compile call (median of --reps runs). Every compiled circuit is checked against the
target's gates and couplers; those of up to 12 logical qubits are simulated against the logical
circuit (random product states, up to the recorded initial and final qubit positions).

    python benchmarks/routing.py --quick                 # a few minutes: 8-qubit circuits, examples
    python benchmarks/routing.py                         # the full suite: about an hour on 2 cores
    python benchmarks/routing.py --targets heavy-hex-27,line-27 --circuits ghz,hea_ring --reps 1
    python benchmarks/routing.py --tools qml_compiler,qiskit-O3 --merge   # re-run some tools only
    python benchmarks/routing.py --tables-from benchmarks/results/routing.json

Writes benchmarks/results/routing.json and .md (routing_quick.* with --quick; --out STEM picks
another), rewritten after every case with "partial": true in the header until the run ends.
"""

from __future__ import annotations

import os

# The one-thread rule (benchmarks/README.md): before any heavy import, inherited by the worker.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
               "RAYON_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"
os.environ["QMLC_NO_CACHE"] = "1"  # our compile cache would turn re-runs into look-ups

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import select  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import routing_circuits as rc  # noqa: E402

RESULTS = BENCH / "results"
OURS = "qml_compiler"
PEERS = ("qiskit-O1", "qiskit-O3", "qiskit-O3-best5", "pytket-plain", "pytket-qiskit")
TOOLS = (OURS,) + PEERS
TARGETS = ("heavy-hex-27", "heavy-hex-127", "grid-6x6-cz", "line-27", "all-to-all-32")
SIZES = (8, 16, 27)
LARGE_SIZES = (50, 100)  # on heavy-hex-127 only, run last
LARGE_TARGET = "heavy-hex-127"
QUICK_SIZES = (8,)
QUICK_EXAMPLES = ("ex_moons_circuit", "ex_r2l_8q_last_circuit", "ex_energy_ansatz")
CHECK_MAX_QUBITS = 12  # simulate compiled vs logical up to this many logical qubits
SIM_MAX_ACTIVE = 20  # ... when the compiled circuit touches at most this many physical qubits
EQUIV_TOL = 1e-6

GOAL1_CASE_SLACK = 1.10  # never more than 10% worse than Qiskit O3 best-of-5 on one exact case
GOAL2_GEOMEAN = 0.85  # routing overhead at least 15% below the best peer's, in geometric mean
GOAL2_MIN_QUBITS = 16

VERSION_DISTS = ("qml-compiler", "qiskit", "pytket", "pytket-qiskit", "numpy", "networkx", "rustworkx",
                 "sympy", "scipy")


def get_bench_target(name: str):
    """The catalogue's targets; `all-to-all-N` is N all-to-all qubits with IBM gates (the anchors'
    all2all32), made as a device description so that every compiler sees the same object."""
    from qml_compiler.quantum.targets import get_target, target_from_json

    if name.startswith("all-to-all-"):
        n = int(name.rsplit("-", 1)[1])
        return target_from_json({"name": name, "qubits": n, "gates": ["cx", "rz", "sx", "x"],
                                 "description": f"{n} qubits, all-to-all, IBM gates"}, name)
    return get_target(name)


# =============================================================================================
# Worker: compiles one (case, tool) per request, in this one process for every tool


def _ours_compile(circ, target, reps):
    import inspect

    from peers.routing_peers import Compiled, timed
    from qml_compiler.quantum import compile_circuit

    sig = inspect.signature(compile_circuit)
    kw = {"seed": 0}
    if "cache" in sig.parameters:
        kw["cache"] = False
    level = sig.parameters["opt_level"].default if "opt_level" in sig.parameters else None
    res, times = timed(lambda: compile_circuit(circ, target, **kw), reps)
    n = circ.n_qubits
    init = [int(res.initial_map[i]) for i in range(n)]
    final = [int(res.final_map[i]) for i in range(n)]
    import qml_compiler

    info = {"opt_level": level, "module": os.path.dirname(qml_compiler.__file__)}
    for k in ("placement", "swaps"):
        if hasattr(res, k):
            info[k] = getattr(res, k)
    if getattr(res, "times", None):
        info["stage_times"] = {k: round(v, 5) for k, v in res.times.items()}
    if getattr(res, "candidates", None):
        info["candidates"] = res.candidates
    return Compiled(res.circuit, init, final, times, info)


def _ours_warmup() -> float:
    """Compile a small ring on heavy-hex-27 once, untimed, before the first timed compile of a
    worker: SABRE's numba kernels are compiled (or loaded from numba's disk cache) on first use, a
    one-time cost per process (about 10 s with an empty cache) that a person compiling a model pays
    once, not per circuit. Qiskit's Rust extension is likewise loaded before its timings."""
    import time

    from pytket import Circuit

    from qml_compiler.quantum import compile_circuit
    from qml_compiler.quantum.targets import get_target

    ring = Circuit(6)
    for q in range(6):
        ring.CX(q, (q + 1) % 6)
    t0 = time.perf_counter()
    compile_circuit(ring, get_target("heavy-hex-27"), cache=False)
    return time.perf_counter() - t0


def _conformance(circ, target) -> tuple[list[str], object]:
    """Errors against the target's gates and couplers, and the circuit to count: the compiled
    one, or (if some gate is not native) a copy rebased to the native gates."""
    from pytket import OpType
    from pytket.passes import AutoRebase

    from peers.routing_peers import phys_index

    errs = []
    counted = circ
    allowed = target.optypes()
    skip = {OpType.Barrier, OpType.Measure}
    if allowed is not None:
        bad = sorted({cmd.op.type.name for cmd in circ.get_commands()
                      if cmd.op.type not in allowed and cmd.op.type not in skip})
        if bad:
            errs.append(f"non-native gates {bad}: counted after AutoRebase to the native gates")
            counted = circ.copy()
            AutoRebase(allowed).apply(counted)
    if target.edges is not None:
        edges = {tuple(sorted(e)) for e in target.edges}
        off = 0
        for cmd in counted.get_commands():
            if len(cmd.qubits) == 2 and cmd.op.type not in skip:
                a, b = (phys_index(q) for q in cmd.qubits)
                off += (min(a, b), max(a, b)) not in edges
        if off:
            errs.append(f"{off} two-qubit gates off the coupling map")
    big = sum(1 for cmd in counted.get_commands() if len(cmd.qubits) > 2 and cmd.op.type not in skip)
    if big:
        errs.append(f"{big} gates on more than two qubits")
    return errs, counted


def _simulate(ops, m: int, prep: dict):
    """Statevector of `m` qubits (pytket's order: qubit 0 most significant) after U3 gates
    `prep` {qubit: (a, b, c)} on |0...0> and then `ops`, a list of (unitary, qubits)."""
    import numpy as np
    from pytket.circuit import Op, OpType

    psi = np.zeros((2,) * m, dtype=complex)
    psi[(0,) * m] = 1.0
    steps = [(Op.create(OpType.U3, list(a)).get_unitary(), [q]) for q, a in prep.items()] + ops
    for u, qs in steps:
        k = len(qs)
        psi = np.tensordot(u.reshape((2,) * (2 * k)), psi, axes=(list(range(k, 2 * k)), qs))
        psi = np.moveaxis(psi, list(range(k)), qs)
    return psi.reshape(-1)


def _statevector_check(logical, compiled, init, final, trials=2, seed=0):
    """min over `trials` of |<expected|actual>|^2: a random product state on the logical qubits'
    initial physical positions (other qubits |0>) through the compiled circuit, against the
    same product state on the final positions through the logical circuit. Simulates only the
    physical qubits the compiled circuit touches; None if more than SIM_MAX_ACTIVE."""
    import numpy as np
    from pytket import OpType

    from peers.routing_peers import phys_index

    c = compiled.copy()
    c.replace_implicit_wire_swaps()
    used = set(init) | set(final)
    for cmd in c.get_commands():
        used.update(phys_index(q) for q in cmd.qubits)
    active = sorted(used)
    if len(active) > SIM_MAX_ACTIVE:
        return None, len(active)
    idx = {p: k for k, p in enumerate(active)}
    m = len(active)
    skip = (OpType.Barrier, OpType.Measure)
    comp_ops = [(cmd.op.get_unitary(), [idx[phys_index(q)] for q in cmd.qubits])
                for cmd in c.get_commands() if cmd.op.type not in skip]
    log_ops = [(cmd.op.get_unitary(), [idx[final[q.index[0]]] for q in cmd.qubits])
               for cmd in logical.get_commands() if cmd.op.type not in skip]
    rng = np.random.default_rng(seed)
    fids = []
    for _ in range(trials):
        ang = rng.uniform(0, 2, (logical.n_qubits, 3))
        va = _simulate(comp_ops, m, {idx[init[i]]: ang[i] for i in range(logical.n_qubits)})
        ve = _simulate(log_ops, m, {idx[final[i]]: ang[i] for i in range(logical.n_qubits)})
        fids.append(float(abs(np.vdot(ve, va)) ** 2))
    return min(fids), m


class WorkerState:
    def __init__(self):
        self.circuits = {}
        self.qiskit = {}
        self.targets = {}
        self.warmup_s = None  # our one-time start-up in this worker (numba kernels), untimed

    def circuit(self, family, n):
        key = (family, n)
        if key not in self.circuits:
            self.circuits[key] = rc.build(family, n)
        return self.circuits[key]

    def qiskit_circuit(self, family, n):
        from peers.routing_peers import to_qiskit

        key = (family, n)
        if key not in self.qiskit:
            self.qiskit[key] = to_qiskit(self.circuit(family, n))
        return self.qiskit[key]

    def target(self, name):
        if name not in self.targets:
            self.targets[name] = get_bench_target(name)
        return self.targets[name]


def handle(state: WorkerState, job: dict) -> dict:
    family, n, tool = job["family"], job["n"], job["tool"]
    circ = state.circuit(family, n)
    target = state.target(job["target"])
    if tool == "logical":
        out = {"qubits": circ.n_qubits, "logical_two_qubit_gates": rc.logical_two_qubit_count(circ),
               "logical_depth": circ.depth(), "logical_gates": circ.n_gates}
        if job.get("qiskit_dropped"):
            from peers.routing_peers import qiskit_dropped

            out["qiskit_dropped"] = qiskit_dropped(state.qiskit_circuit(family, n))
        return out
    if tool == OURS:
        warmup = None
        if state.warmup_s is None:
            state.warmup_s = warmup = _ours_warmup()
        res = _ours_compile(circ, target, job["reps"])
        if warmup is not None:
            res.info["warmup_s"] = round(warmup, 3)
    else:
        from peers.routing_peers import compile_peer

        qc = state.qiskit_circuit(family, n) if tool.startswith("qiskit") else None
        res = compile_peer(tool, circ, qc, target, job["reps"])
    errs, counted = _conformance(res.circuit, target)
    out = dict(rc.native_counts(counted))
    out.update({"times": res.times, "initial": res.initial, "final": res.final, "conformance": errs,
                "info": res.info})
    if job.get("check") and circ.n_qubits <= CHECK_MAX_QUBITS:
        try:
            fid, m = _statevector_check(circ, res.circuit, res.initial, res.final)
            out["sim_qubits"] = m
            out["fidelity"] = fid
            out["equivalent"] = None if fid is None else bool(fid > 1 - EQUIV_TOL)
        except Exception as e:  # a check that cannot run is reported, the compile result kept
            out["fidelity"] = out["equivalent"] = None
            out["check_error"] = f"{type(e).__name__}: {e}"[:300]
    return out


def snapshot_ours(run_id: str, ref: str | None = None) -> tuple[str | None, dict]:
    """Copy the `qml_compiler` package (of the working tree, or of git commit `ref`) to a
    temporary folder that the worker imports first, so that one run measures one version of our
    compiler even while the package is being edited (a worker restarted after a timeout imports
    it again). Returns the folder and a short hash of every file of `qml_compiler/quantum`."""
    import hashlib
    import io
    import shutil
    import tarfile
    import tempfile

    dest = Path(tempfile.mkdtemp(prefix=f"routing-qmlc-{run_id.replace(':', '')}-"))
    if ref:
        tar = subprocess.run(["git", "archive", ref, "qml_compiler", "grammar"], cwd=ROOT, capture_output=True,
                             check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            tf.extractall(dest, filter="data")
    else:
        shutil.copytree(ROOT / "qml_compiler", dest / "qml_compiler", ignore=shutil.ignore_patterns("__pycache__"))
        if (ROOT / "grammar").exists():
            shutil.copytree(ROOT / "grammar", dest / "grammar")
    hashes = {str(p.relative_to(dest)): hashlib.sha256(p.read_bytes()).hexdigest()[:12]
              for p in sorted((dest / "qml_compiler" / "quantum").glob("*.py"))}
    return str(dest), hashes


def worker_main() -> int:
    import warnings

    snap = os.environ.get("ROUTING_QMLC_SNAPSHOT")
    if snap:
        sys.path.insert(0, snap)
        for name in [m for m in sys.modules if m == "qml_compiler" or m.startswith("qml_compiler.")]:
            del sys.modules[name]

    warnings.filterwarnings("ignore")
    state = WorkerState()
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            res = {"ok": True, **handle(state, job)}
        except Exception as e:  # keep serving: the failure is recorded by the parent
            res = {"ok": False, "error": f"{type(e).__name__}: {e}"[:800],
                   "traceback": traceback.format_exc()[-2000:]}
        sys.stdout.write(json.dumps(res, default=str) + "\n")
        sys.stdout.flush()
    return 0


class Worker:
    """A long-lived worker process (this script with --worker); replaced after a timeout."""

    def __init__(self, log_path: Path):
        self.proc = None
        self.log_path = log_path

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     text=True, bufsize=1, env=os.environ.copy())
        log.close()

    def stop(self):
        if self.proc is not None:
            try:
                self.proc.kill()
                self.proc.wait(timeout=10)
            except Exception:
                pass
            self.proc = None

    def request(self, job: dict, timeout: float) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                return {"ok": False, "timeout": True, "error": f"no result within {timeout:.0f} s"}
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 5.0))
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    code = self.proc.poll()
                    self.stop()
                    return {"ok": False, "error": f"worker died (exit code {code})"}
                return json.loads(line)


# =============================================================================================
# The suite


def suite(targets, families, quick: bool, sizes=None, large=True) -> list[tuple[str, str, int]]:
    """(target, family, n) in run order: examples and small sizes first, target by target; the
    50- and 100-qubit circuits on heavy-hex-127 last, cheapest families first."""
    jobs = []
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    ex_all = rc.examples()
    ex_names = [e for e in ex_all if not quick or e in QUICK_EXAMPLES]
    for t in targets:
        nphys = get_bench_target(t).n_qubits
        for f in families:
            if f.startswith("ex_") or f == "examples":
                continue
            for n in sizes:
                if n <= nphys:
                    jobs.append((t, f, n))
        if "examples" in families or any(f.startswith("ex_") for f in families):
            for e in ex_names:
                if ("examples" in families or e in families) and ex_all[e].n_qubits <= nphys:
                    jobs.append((t, e, ex_all[e].n_qubits))
    if large and not quick and LARGE_TARGET in targets:
        heavy = ("qft", "hea_full")
        for n in LARGE_SIZES:
            for f in families:
                if f in rc.FAMILIES and f not in heavy:
                    jobs.append((LARGE_TARGET, f, n))
        for n in LARGE_SIZES:
            for f in heavy:
                if f in families:
                    jobs.append((LARGE_TARGET, f, n))
    return jobs


def case_name(target, family, n) -> str:
    return f"{target}/{family}" if family.startswith("ex_") else f"{target}/{family}-{n}"


def pin_to_one_cpu(cpu):
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    cpu = allowed[-1] if cpu is None else cpu
    os.sched_setaffinity(0, {cpu})
    return cpu


def version_of(dist):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def git_state():
    def run(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception:
            return None
    return {"commit": run("rev-parse", "HEAD"),
            "dirty_files": [ln[3:] for ln in (run("status", "--porcelain") or "").splitlines()
                            if "qml_compiler/quantum" in ln or "benchmarks/routing" in ln
                            or "benchmarks/peers/routing" in ln]}


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def ours_available() -> tuple[bool, str]:
    try:
        from qml_compiler.quantum import compile_circuit  # noqa: F401
        return True, ""
    except Exception as e:
        return False, f"{type(e).__name__}: {e}"


def records_of(target, family, n, tool, res, run_id, logical) -> list[dict]:
    base = {"case": case_name(target, family, n), "tool": tool, "target": target, "circuit": family,
            "category": "hybrid" if family.startswith("ex_") else rc.category(family), "qubits": n, "run": run_id}
    if not res.get("ok"):
        status = "timeout" if res.get("timeout") else "error"
        return [dict(base, metric="status", value=status, unit=None, error=res.get("error"))]
    if tool == "logical":
        out = [dict(base, metric="two_qubit_gates", value=res["logical_two_qubit_gates"], unit="gates",
                    what="CX equivalents: pytket AutoRebase to {CX, TK1}, no optimisation"),
               dict(base, metric="depth", value=res["logical_depth"], unit="layers"),
               dict(base, metric="gates", value=res["logical_gates"], unit="gates")]
        if "qiskit_dropped" in res:
            d = res["qiskit_dropped"]
            out.append(dict(base, tool="qiskit-O3", metric="dropped_2q_gates", value=d["gates"], unit="gates",
                            cx_equivalent=d["cx_equivalent"],
                            what="parametric two-qubit gates of the logical circuit that Qiskit O3 removes as "
                                 "negligible (no coupling map, the circuit's own gate types allowed)"))
        return out
    extra = {"conformance_errors": res["conformance"], "initial": res["initial"], "final": res["final"],
             "info": res["info"]}
    if "fidelity" in res:
        extra.update(fidelity=res["fidelity"], equivalent=res["equivalent"], sim_qubits=res.get("sim_qubits"))
        if res.get("check_error"):
            extra["check_error"] = res["check_error"]
    t = res["times"]
    is_sum = tool == "qiskit-O3-best5"
    tval = sum(t) if is_sum else statistics.median(t)
    out = [dict(base, metric="two_qubit_gates", value=res["two_qubit_gates"], unit="gates", **extra),
           dict(base, metric="routing_overhead", value=res["two_qubit_gates"] - logical, unit="gates",
                logical=logical),
           dict(base, metric="depth", value=res["depth"], unit="layers"),
           dict(base, metric="depth_2q", value=res["depth_2q"], unit="layers"),
           dict(base, metric="gates", value=res["gates"], unit="gates"),
           dict(base, metric="compile_time", value=tval, unit="s", min=min(t), max=max(t), n=len(t),
                samples=[round(x, 5) for x in t],
                **({"what": "sum of one run per seed 0-4"} if is_sum else {}))]
    return out


# =============================================================================================
# Analysis and reports


def _gm(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def index(records) -> dict:
    """{(target, circuit, qubits): {tool: {metric: record}}}"""
    idx: dict = {}
    for r in records:
        idx.setdefault((r["target"], r["circuit"], r["qubits"]), {}).setdefault(r["tool"], {})[r["metric"]] = r
    return idx


def val(idx, key, tool, metric="two_qubit_gates"):
    r = idx.get(key, {}).get(tool, {}).get(metric)
    return None if r is None else r["value"]


def routed(target: str) -> bool:
    return not target.startswith("all-to-all") and not target.startswith("ions") and target != "ideal"


def case_order(key):
    t, f, n = key
    tord = TARGETS.index(t) if t in TARGETS else 99
    ford = rc.FAMILIES.index(f) if f in rc.FAMILIES else 50
    return (tord, n > 27, ford, f, n)


def analyse(records) -> dict:
    idx = index(records)
    keys = sorted(idx, key=case_order)
    have_ours = any(OURS in idx[k] and "two_qubit_gates" in idx[k][OURS] for k in keys)
    res: dict = {"have_ours": have_ours}

    # Goal 1: standard circuits, QFT apart, against Qiskit O3 best of 5
    g1 = {}
    qft_rows = []
    for k in keys:
        t, f, n = k
        if f == "qft":
            qft_rows.append(k)
        if not routed(t) or rc.category(f) != "standard" or f.startswith("ex_") or f == "qft":
            continue
        g1.setdefault(t, []).append(k)
    g1_rows = []
    g1_ok = have_ours and bool(g1)
    for t, ks in g1.items():
        ratios, worst, over, missing = [], None, [], 0
        for k in ks:
            a, b = val(idx, k, OURS), val(idx, k, "qiskit-O3-best5")
            if a is None or b is None or b == 0:
                missing += 1
                continue
            r = a / b
            ratios.append(r)
            dropped = val(idx, k, "qiskit-O3", "dropped_2q_gates")
            exact = not dropped
            if worst is None or r > worst[0]:
                worst = (r, k)
            if exact and r > GOAL1_CASE_SLACK:
                over.append((k, a, b))
        gm = _gm(ratios)
        ok = gm is not None and gm <= 1.0 and not over
        g1_ok = g1_ok and ok
        peers_gm = {p: _gm([val(idx, k, p) / val(idx, k, "qiskit-O3-best5") for k in ks
                            if val(idx, k, p) and val(idx, k, "qiskit-O3-best5")])
                    for p in ("qiskit-O1", "qiskit-O3", "pytket-plain", "pytket-qiskit")}
        g1_rows.append({"target": t, "cases": len(ratios), "missing": missing, "geomean": gm, "worst": worst,
                        "over": over, "ok": ok, "peers": peers_gm})
    res["goal1"] = {"rows": g1_rows, "met": g1_ok, "qft": qft_rows}

    # Goal 2: hybrid-model circuits, routing overhead against the best peer
    g2_rows = []
    for k in keys:
        t, f, n = k
        if not (f.startswith("ex_") or rc.category(f) == "hybrid"):
            continue
        logical = val(idx, k, "logical")
        if logical is None:
            continue
        peer_vals = {p: val(idx, k, p) for p in PEERS if val(idx, k, p) is not None}
        if not peer_vals:
            continue
        bp = min(peer_vals, key=lambda p: (peer_vals[p], PEERS.index(p)))
        ours = val(idx, k, OURS)
        g2_rows.append({"key": k, "logical": logical, "best_peer": bp, "best": peer_vals[bp],
                        "best_oh": peer_vals[bp] - logical, "ours": ours,
                        "ours_oh": None if ours is None else ours - logical})
    viol = [r for r in g2_rows if r["ours_oh"] is not None and r["ours_oh"] > r["best_oh"]]
    sel = [r for r in g2_rows if r["key"][2] >= GOAL2_MIN_QUBITS and r["best_oh"] > 0 and r["ours_oh"] is not None]
    gm2 = _gm([max(r["ours_oh"], 1) / r["best_oh"] for r in sel])
    missing2 = [r for r in g2_rows if r["ours_oh"] is None]
    res["goal2"] = {"rows": g2_rows, "violations": viol, "selected": sel, "geomean": gm2,
                    "missing": missing2,
                    "met": have_ours and not viol and gm2 is not None and gm2 <= GOAL2_GEOMEAN and not missing2}

    # Goal 3: compile time against Qiskit O3 (seed 0)
    g3 = []
    for k in keys:
        a, b = val(idx, k, OURS, "compile_time"), val(idx, k, "qiskit-O3", "compile_time")
        st = idx[k].get(OURS, {}).get("status")
        if st is not None:
            g3.append({"key": k, "ours": None, "qiskit": b, "ratio": None, "status": st["value"]})
        elif a is not None and b is not None:
            g3.append({"key": k, "ours": a, "qiskit": b, "ratio": a / b})
    slower = [r for r in g3 if r["ratio"] is None or r["ratio"] > 1.0]
    res["goal3"] = {"rows": g3, "slower": slower, "geomean": _gm([r["ratio"] for r in g3 if r["ratio"]]),
                    "met": have_ours and bool(g3) and not slower}

    # where ours loses: more two-qubit gates than the best peer
    losses = []
    for k in keys:
        ours = val(idx, k, OURS)
        peer_vals = {p: val(idx, k, p) for p in PEERS if val(idx, k, p) is not None}
        if ours is None or not peer_vals:
            continue
        bp = min(peer_vals, key=lambda p: (peer_vals[p], PEERS.index(p)))
        if ours > peer_vals[bp]:
            losses.append({"key": k, "ours": ours, "best_peer": bp, "best": peer_vals[bp],
                           "excess": ours - peer_vals[bp], "ratio": ours / peer_vals[bp] if peer_vals[bp] else None})
    res["losses"] = losses

    problems = []
    for r in records:
        if r["metric"] == "status":
            problems.append(f"{r['case']} {r['tool']}: {r['value']} ({r.get('error')})")
        elif r["metric"] == "two_qubit_gates" and r["tool"] != "logical":
            if r.get("conformance_errors"):
                problems.append(f"{r['case']} {r['tool']}: {'; '.join(r['conformance_errors'])}")
            if r.get("equivalent") is False:
                problems.append(f"{r['case']} {r['tool']}: NOT equivalent (fidelity {r.get('fidelity'):.6f})")
    res["problems"] = problems
    checks = [r for r in records if r["metric"] == "two_qubit_gates" and "equivalent" in r]
    res["checks"] = {"simulated": sum(1 for r in checks if r["equivalent"] is not None),
                     "failed": sum(1 for r in checks if r["equivalent"] is False),
                     "too_wide": sum(1 for r in checks if r["equivalent"] is None)}
    return res


def _f(x, nd=3):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def _t(x):
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}"


def _name(k):
    t, f, n = k
    return f if f.startswith("ex_") else f"{f}-{n}"


def _cell(idx, k, tool, metric="two_qubit_gates", fmt=str):
    st = idx.get(k, {}).get(tool, {}).get("status")
    if st is not None:
        return "timeout" if st["value"] == "timeout" else "error"
    v = val(idx, k, tool, metric)
    return "-" if v is None else fmt(v)


def markdown(header: dict, records: list[dict], an: dict) -> str:
    idx = index(records)
    h = header
    m = h["machine"]
    L = []
    L.append("# Routing benchmark: qml_compiler against Qiskit and pytket\n")
    if h.get("partial"):
        L.append("**Partial results: the run is still going or was stopped.**\n")
    L.append(f"Date {h['date']}; {m['cpu']}, {m['cpu_count']} cores, pinned to CPU {m['pinned_cpu']}, "
             f"one thread; load average before / after {m['loadavg_before']} / {m['loadavg_after']}. "
             f"Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in h["versions"].items() if v) + ".")
    L.append(f"Git {str(h['git'].get('commit'))[:10]}"
             + (f" (uncommitted: {', '.join(h['git']['dirty_files'])})" if h['git'].get('dirty_files') else "") + ".")
    L.append(f"\nCommand: `{h['command']}`")
    if h.get("combined_from"):
        L.append("\nJoined from runs over disjoint cases, side by side on the two CPUs: "
                 + "; ".join(f"`{x['command']}` ({x['date']}, CPU {x['machine'].get('pinned_cpu')})"
                             for x in h["combined_from"]))
    if h.get("merged_from"):
        L.append("\nRecords merged from earlier runs for the tools not re-run (each record's `run` says which): "
                 + "; ".join(f"`{x['command']}` ({x['date']})" for x in h["merged_from"]))
    for note in h.get("notes") or ():
        L.append(f"\n**Note:** {note}")
    if not an["have_ours"]:
        L.append(f"\n**No results of our compiler in this file** ({h.get('ours_note') or 'not run'}): "
                 "the goals cannot be judged yet.")
    L.append("\nTwo-qubit gates are counted on the native circuit (target gates only; any two-qubit "
             "operation counts); the logical count is the circuit's gates in CX equivalents "
             "(pytket AutoRebase to {CX, TK1}, no optimisation). Routing overhead = compiled − logical. "
             "Times: median wall time of the compile call over the runs (`qiskit-O3-best5`: the sum of "
             "its five seeds). Our times exclude a one-time warm-up per worker process (a small compile that "
             "compiles or loads SABRE's numba kernels, recorded as `warmup_s` in the first record's info: "
             "a cost paid once per process, not per circuit). See benchmarks/README.md, section *routing.py*.\n")

    def ok(b):
        return "**MET**" if b else "**NOT MET**"

    # Goal 1
    g1 = an["goal1"]
    L.append(f"## Goal 1: standard circuits, two-qubit gates against Qiskit O3 best of 5 seeds: {ok(g1['met'])}\n")
    L.append("Geometric mean of ours / Qiskit O3 best-of-5 per routed target (≤ 1.000 needed), the worst "
             "case, and cases more than 10% worse where Qiskit's result is exact (none allowed). "
             "QFT apart (below). Peers' geometric means against the same reference for context.\n")
    L.append("| target | cases | **ours / O3-best5** | worst case | cases > +10% | O1 | O3 seed 0 | pytket-plain | pytket-qiskit | verdict |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in g1["rows"]:
        worst = f"{_name(r['worst'][1])} {r['worst'][0]:.3f}" if r["worst"] else "-"
        over = ", ".join(f"{_name(k)} ({a} vs {b})" for k, a, b in r["over"]) or "none"
        p = r["peers"]
        L.append(f"| {r['target']} | {r['cases']}{' (+' + str(r['missing']) + ' missing)' if r['missing'] else ''} | "
                 f"**{_f(r['geomean'])}** | {worst} | {over} | {_f(p['qiskit-O1'])} | {_f(p['qiskit-O3'])} | "
                 f"{_f(p['pytket-plain'])} | {_f(p['pytket-qiskit'])} | {'met' if r['ok'] else 'not met'} |")
    L.append("\n### QFT (reported apart: Qiskit levels 2–3 drop tiny controlled phases)\n")
    L.append("| target | n | logical 2q | Qiskit drops (gates / CX eq.) | ours | O3-best5 | O3 seed 0 | O1 | pytket-plain | pytket-qiskit | ours / O3-best5 | ours / (O3-best5 + dropped CX) |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k in g1["qft"]:
        d = idx[k].get("qiskit-O3", {}).get("dropped_2q_gates")
        dg = f"{d['value']} / {d['cx_equivalent']}" if d else "-"
        a, b = val(idx, k, OURS), val(idx, k, "qiskit-O3-best5")
        adj = b + d["cx_equivalent"] if (b is not None and d) else None
        L.append(f"| {k[0]} | {k[2]} | {_cell(idx, k, 'logical')} | {dg} | {_cell(idx, k, OURS)} | "
                 f"{_cell(idx, k, 'qiskit-O3-best5')} | {_cell(idx, k, 'qiskit-O3')} | {_cell(idx, k, 'qiskit-O1')} | "
                 f"{_cell(idx, k, 'pytket-plain')} | {_cell(idx, k, 'pytket-qiskit')} | "
                 f"{_f(a / b) if a is not None and b else '-'} | {_f(a / adj) if a is not None and adj else '-'} |")

    # Goal 2
    g2 = an["goal2"]
    L.append(f"\n## Goal 2: hybrid-model circuits, routing overhead against the best peer: {ok(g2['met'])}\n")
    L.append(f"Never above the best peer's on any case: {len(g2['violations'])} case(s) above. "
             f"Geometric mean of ours / best peer's overhead over the {len(g2['selected'])} cases of "
             f"≥ {GOAL2_MIN_QUBITS} qubits where the best peer adds two-qubit gates (an overhead of 0 or less "
             f"counts as 1): **{_f(g2['geomean'])}** (≤ {GOAL2_GEOMEAN} needed)."
             + (f" {len(g2['missing'])} case(s) without our result." if g2["missing"] else "") + "\n")
    L.append("| target | circuit | logical 2q | ours 2q | ours overhead | best peer | best peer 2q | best overhead | ours − best |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for r in g2["rows"]:
        k = r["key"]
        diff = None if r["ours_oh"] is None else r["ours_oh"] - r["best_oh"]
        mark = " ⚠" if diff is not None and diff > 0 else ""
        L.append(f"| {k[0]} | {_name(k)} | {r['logical']} | {_cell(idx, k, OURS)} | {_f(r['ours_oh'])} | "
                 f"{r['best_peer']} | {r['best']} | {r['best_oh']} | {_f(diff)}{mark} |")

    # Goal 3
    g3 = an["goal3"]
    L.append(f"\n## Goal 3: compile time at the default level against Qiskit O3 (seed 0): {ok(g3['met'])}\n")
    L.append(f"Cases: {len(g3['rows'])}; ours slower on {len(g3['slower'])}; geometric mean of the time "
             f"ratio ours / Qiskit O3: {_f(g3['geomean'])}.\n")
    by_t: dict = {}
    for r in g3["rows"]:
        by_t.setdefault(r["key"][0], []).append(r)
    L.append("| target | cases | geomean ours / O3 | slower cases | worst (ours s vs O3 s) |")
    L.append("|---|---|---|---|---|")
    for t, rows in by_t.items():
        rs = [r for r in rows if r["ratio"] is not None]
        w = max(rs, key=lambda r: r["ratio"]) if rs else None
        sl = sum(1 for r in rows if r["ratio"] is None or r["ratio"] > 1)
        L.append(f"| {t} | {len(rows)} | {_f(_gm([r['ratio'] for r in rs]))} | {sl} | "
                 + (f"{_name(w['key'])}: {_t(w['ours'])} vs {_t(w['qiskit'])} ({w['ratio']:.2f}×)" if w else "-") + " |")
    if g3["slower"]:
        L.append("\nSlower cases (ours vs Qiskit O3, seconds):\n")
        L.append("| case | ours | Qiskit O3 | ratio |")
        L.append("|---|---|---|---|")
        for r in sorted(g3["slower"], key=lambda r: -(r["ratio"] or 1e9)):
            L.append(f"| {r['key'][0]}/{_name(r['key'])} | {_t(r['ours']) if r['ours'] is not None else r.get('status')} | "
                     f"{_t(r['qiskit'])} | {_f(r['ratio'], 2)} |")

    # Losses
    if an["have_ours"]:
        L.append(f"\n## Where ours has more two-qubit gates than the best peer ({len(an['losses'])} cases)\n")
        L.append("| target | circuit | ours | best peer | best | excess | ratio |")
        L.append("|---|---|---|---|---|---|---|")
        for r in sorted(an["losses"], key=lambda r: (case_order(r["key"])[0], -(r["ratio"] or 0))):
            L.append(f"| {r['key'][0]} | {_name(r['key'])} | {r['ours']} | {r['best_peer']} | {r['best']} | "
                     f"{r['excess']} | {_f(r['ratio'])} |")

    # Detail tables
    L.append("\n## All cases\n")
    tools = [t for t in TOOLS]
    short = {"qml_compiler": "ours", "qiskit-O1": "O1", "qiskit-O3": "O3", "qiskit-O3-best5": "O3b5",
             "pytket-plain": "tket", "pytket-qiskit": "tk-qk"}
    targets = []
    for k in sorted(idx, key=case_order):
        if k[0] not in targets:
            targets.append(k[0])
    for t in targets:
        L.append(f"### {t}\n")
        L.append("| circuit | logical 2q | " + " | ".join(f"2q {short[x]}" for x in tools) + " | "
                 + " | ".join(f"depth {short[x]}" for x in tools) + " | "
                 + " | ".join(f"2q-depth {short[x]}" for x in tools) + " | "
                 + " | ".join(f"s {short[x]}" for x in tools) + " |")
        L.append("|---|---|" + "---|" * (4 * len(tools)))
        for k in sorted((k for k in idx if k[0] == t), key=case_order):
            cells = [_name(k), _cell(idx, k, "logical")]
            cells += [_cell(idx, k, x) for x in tools]
            cells += [_cell(idx, k, x, "depth") for x in tools]
            cells += [_cell(idx, k, x, "depth_2q") for x in tools]
            cells += [_cell(idx, k, x, "compile_time", _t) for x in tools]
            L.append("| " + " | ".join(cells) + " |")
        L.append("")
    ch = an["checks"]
    L.append(f"## Checks\n\nSimulated equivalence (compiled vs logical, up to the qubit placement): "
             f"{ch['simulated']} compiled circuits checked, {ch['failed']} failed, {ch['too_wide']} too wide "
             f"to simulate (> {SIM_MAX_ACTIVE} physical qubits touched).\n")
    if an["problems"]:
        L.append("Problems (timeouts, errors, non-native gates, gates off the map, inequivalence):\n")
        for p in an["problems"]:
            L.append(f"- {p}")
    else:
        L.append("No timeouts, errors, non-native gates, gates off the map or inequivalent results.")
    return "\n".join(L) + "\n"


def write_reports(stem: Path, header: dict, records: list[dict]) -> dict:
    an = analyse(records)
    goals = {
        "goal1_standard_2q_vs_qiskit_O3_best5": {"met": an["goal1"]["met"], "by_target": [
            {"target": r["target"], "cases": r["cases"], "geomean_ratio": r["geomean"],
             "worst": None if r["worst"] is None else {"case": case_name(*r["worst"][1]), "ratio": r["worst"][0]},
             "cases_over_10pct": [case_name(*k) for k, a, b in r["over"]]} for r in an["goal1"]["rows"]]},
        "goal2_hybrid_routing_overhead": {"met": an["goal2"]["met"], "geomean_ratio": an["goal2"]["geomean"],
                                          "cases_in_geomean": len(an["goal2"]["selected"]),
                                          "cases_above_best_peer": [case_name(*r["key"]) for r in an["goal2"]["violations"]]},
        "goal3_compile_time_vs_qiskit_O3": {"met": an["goal3"]["met"], "geomean_ratio": an["goal3"]["geomean"],
                                            "cases": len(an["goal3"]["rows"]),
                                            "slower": [case_name(*r["key"]) for r in an["goal3"]["slower"]]},
    }
    stem.parent.mkdir(parents=True, exist_ok=True)
    tmp = stem.with_suffix(".json.tmp")
    body = ",\n".join(json.dumps(r, default=str, separators=(",", ":")) for r in records)  # one record a line
    tmp.write_text('{"header": ' + json.dumps(header, indent=1, default=str) + ',\n"goals": '
                   + json.dumps(goals, indent=1, default=str) + ',\n"records": [\n' + body + "\n]}\n")
    os.replace(tmp, stem.with_suffix(".json"))
    stem.with_suffix(".md").write_text(markdown(header, records, an), encoding="utf-8")
    return an


# =============================================================================================


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="8-qubit circuits and three example blocks, 1 run each")
    ap.add_argument("--targets", default=",".join(TARGETS))
    ap.add_argument("--circuits", default="", help="families (comma list; 'examples' for all example blocks)")
    ap.add_argument("--sizes", default="", help="qubit counts on every target that has them (default 8,16,27, "
                    "then 50,100 on heavy-hex-127; quick: 8)")
    ap.add_argument("--no-large", action="store_true", help="skip the 50- and 100-qubit circuits on heavy-hex-127")
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--reps", type=int, default=None, help="timed runs per compile (default 3; quick: 1)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per compile job (default 400; quick 120)")
    ap.add_argument("--no-check", action="store_true", help="skip the statevector equivalence checks")
    ap.add_argument("--out", default=None, help="output stem (default benchmarks/results/routing[_quick])")
    ap.add_argument("--merge", action="store_true", help="keep the other tools' records of the existing output")
    ap.add_argument("--resume", action="store_true",
                    help="keep the existing output and run only the (case, tool) pairs it lacks")
    ap.add_argument("--slow-peer-reps", type=int, default=1,
                    help="timed runs of pytket-plain and pytket-qiskit (default 1: their times are context, "
                         "not a goal)")
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last allowed one)")
    ap.add_argument("--ours-ref", default=None,
                    help="measure our compiler as of this git commit (default: the working tree)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--tables-from", default=None, help="re-render the markdown of a results JSON file")
    ap.add_argument("--combine", default=None,
                    help="comma list of result JSON files of runs over disjoint cases (e.g. one per CPU) "
                         "to join into --out")
    args = ap.parse_args(argv)
    if args.worker:
        return worker_main()
    if args.combine:
        docs = [json.loads(Path(f).read_text()) for f in args.combine.split(",") if f]
        header = dict(docs[0]["header"])
        header["partial"] = any(d["header"].get("partial") for d in docs)
        header["combined_from"] = [{k: d["header"].get(k) for k in ("date", "command", "targets", "partial", "machine",
                                                                     "ours_source_sha256")} for d in docs]
        header["command"] = " ; ".join(d["header"]["command"] for d in docs)
        seen, records = set(), []
        for d in docs:
            for r in d["records"]:
                key = (r["case"], r["tool"], r["metric"])
                if key not in seen:
                    seen.add(key)
                    records.append(r)
        stem = Path(args.out) if args.out else RESULTS / "routing"
        an = write_reports(stem.with_suffix("") if stem.suffix in (".json", ".md") else stem, header, records)
        print(f"{len(records)} records from {len(docs)} runs; goals {an['goal1']['met']}, {an['goal2']['met']}, "
              f"{an['goal3']['met']}")
        return 0
    if args.tables_from:
        p = Path(args.tables_from)
        doc = json.loads(p.read_text())
        write_reports(p.with_suffix(""), doc["header"], doc["records"])
        print(p.with_suffix(".md").read_text())
        return 0

    cpu = pin_to_one_cpu(args.cpu)
    reps = args.reps if args.reps is not None else (1 if args.quick else 3)
    timeout = args.timeout if args.timeout is not None else (120.0 if args.quick else 400.0)
    stem = Path(args.out) if args.out else RESULTS / ("routing_quick" if args.quick else "routing")
    if stem.suffix in (".json", ".md"):
        stem = stem.with_suffix("")
    targets = [t for t in args.targets.split(",") if t]
    families = [f for f in args.circuits.split(",") if f] or list(rc.FAMILIES) + ["examples"]
    tools = [t for t in args.tools.split(",") if t]
    for t in tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t}; known: {', '.join(TOOLS)}")
    sizes = tuple(int(x) for x in args.sizes.split(",") if x) or None
    have_ours, ours_note = ours_available()
    if OURS in tools and not have_ours:
        print(f"note: qml_compiler.quantum.compile_circuit unavailable ({ours_note}); running the peers only",
              flush=True)
        tools.remove(OURS)
    jobs = suite(targets, families, args.quick, sizes, large=not (args.no_large or sizes))

    run_id = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ours_source = {}
    if OURS in tools:
        snap, ours_source = snapshot_ours(run_id, args.ours_ref)
        os.environ["ROUTING_QMLC_SNAPSHOT"] = snap
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    command = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    old_records, merged_from = [], []
    todo = {j: ["logical"] + list(tools) for j in jobs}  # what to run per case
    old_logical = {}
    if (args.merge or args.resume) and stem.with_suffix(".json").exists():
        old = json.loads(stem.with_suffix(".json").read_text())
        if args.resume:  # skip what the file already has (a timeout or an error counts as done)
            done = {(r["case"], r["tool"]) for r in old["records"] if r["metric"] in ("two_qubit_gates", "status")
                    and r["tool"] != "logical"}
            # the logical job is done when its figures, and for standard circuits Qiskit's drops, are there
            has_drop = {r["case"] for r in old["records"] if r["metric"] == "dropped_2q_gates"}
            done |= {(r["case"], "logical") for r in old["records"] if r["tool"] == "logical"
                     and r["metric"] == "two_qubit_gates" and (r["category"] != "standard" or r["case"] in has_drop)}
            old_logical = {r["case"]: r["value"] for r in old["records"]
                           if r["tool"] == "logical" and r["metric"] == "two_qubit_gates"}
            todo = {j: [t for t in ts if (case_name(*j), t) not in done] for j, ts in todo.items()}
            todo = {j: ts for j, ts in todo.items() if ts}
            jobs = [j for j in jobs if j in todo]
        planned = {(case_name(*j), t) for j, ts in todo.items() for t in ts}
        # Qiskit's drops (tool qiskit-O3) are measured by the logical job: they go with it
        old_records = [r for r in old["records"]
                       if ((r["case"], "logical") not in planned if r["metric"] == "dropped_2q_gates"
                           else (r["case"], r["tool"]) not in planned)]
        merged_from = old["header"].get("merged_from", []) + [
            {"date": old["header"]["date"], "command": old["header"]["command"], "tools": old["header"].get("tools")}]

    def header(partial: bool) -> dict:
        return {
            "suite": "routing", "partial": partial, "date": run_id, "command": command,
            "interpreter": sys.executable,
            "machine": {"platform": platform.platform(), "cpu": cpu_model(), "cpu_count": os.cpu_count(),
                        "python": sys.version.split()[0], "pinned_cpu": cpu,
                        "threads": {v: os.environ[v] for v in THREAD_VARS},
                        "loadavg_before": loadavg_before, "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
            "versions": {d: version_of(d) for d in VERSION_DISTS},
            "git": git_state(), "tools": tools, "ours_note": ours_note or None,
            "ours_source_sha256": ours_source, "ours_ref": (
                subprocess.run(["git", "rev-parse", args.ours_ref], cwd=ROOT, capture_output=True, text=True).stdout.strip()
                if args.ours_ref else "working tree"),
            "descriptions": {OURS: "qml_compiler.quantum.compile_circuit(circuit, target, seed=0, cache=False) "
                                   "at its default opt_level", **__import__("peers.routing_peers",
                                                                           fromlist=["x"]).DESCRIPTIONS},
            "targets": targets, "reps": reps, "slow_peer_reps": args.slow_peer_reps, "timeout_s": timeout,
            "jobs": len(jobs),
            "check": {"max_logical_qubits": CHECK_MAX_QUBITS, "max_simulated_qubits": SIM_MAX_ACTIVE,
                      "tolerance": EQUIV_TOL, "enabled": not args.no_check},
            "goals": {"goal1": f"standard circuits (QFT apart), routed targets: geomean(ours/Qiskit O3 best-of-5 2q) "
                               f"<= 1 per target, no exact case > {GOAL1_CASE_SLACK}",
                      "goal2": f"hybrid circuits: routing overhead never above the best peer's; geomean ratio "
                               f"<= {GOAL2_GEOMEAN} over cases >= {GOAL2_MIN_QUBITS} qubits where the best peer "
                               f"adds 2q gates (overhead <= 0 counts as 1)",
                      "goal3": "compile time at the default level <= Qiskit O3 (seed 0) on every case"},
            "merged_from": merged_from,
        }

    print(f"{len(jobs)} cases x {len(tools)} tools; reps {reps}; timeout {timeout:.0f} s; CPU {cpu}; "
          f"writing {stem}.json/.md", flush=True)
    import tempfile

    worker = Worker(Path(tempfile.gettempdir()) / f"routing-{stem.name}-worker.log")  # the worker's stderr
    stem.parent.mkdir(parents=True, exist_ok=True)
    records = list(old_records)
    t_start = time.time()
    try:
        for k, (tname, fam, n) in enumerate(jobs):
            base = dict(target=tname, family=fam, n=n, reps=reps, check=not args.no_check)
            if "logical" in todo[(tname, fam, n)]:
                lres = worker.request(dict(base, tool="logical",
                                           qiskit_dropped=fam == "qft" or rc.category(fam) == "standard"), timeout)
                records += records_of(tname, fam, n, "logical", lres, run_id, None)
                logical = lres.get("logical_two_qubit_gates")
            else:
                logical = old_logical.get(case_name(tname, fam, n))
            line = []
            for tool in todo[(tname, fam, n)]:
                if tool == "logical":
                    continue
                treps = args.slow_peer_reps if tool in ("pytket-plain", "pytket-qiskit") else reps
                res = worker.request(dict(base, tool=tool, reps=treps), timeout)
                records += records_of(tname, fam, n, tool, res, run_id, logical)
                if res.get("ok"):
                    flag = "" if not res["conformance"] else " !conf"
                    if res.get("equivalent") is False:
                        flag += " !EQ"
                    tt = sum(res["times"]) if tool == "qiskit-O3-best5" else statistics.median(res["times"])
                    line.append(f"{tool}={res['two_qubit_gates']}/{tt:.2f}s{flag}")
                else:
                    line.append(f"{tool}={'TIMEOUT' if res.get('timeout') else 'ERR ' + str(res.get('error'))[:80]}")
            print(f"[{k + 1}/{len(jobs)} {time.time() - t_start:7.1f}s] {case_name(tname, fam, n)} "
                  f"logical={logical} " + " ".join(line), flush=True)
            write_reports(stem, header(True), records)
    finally:
        worker.stop()
        snap = os.environ.get("ROUTING_QMLC_SNAPSHOT")
        if snap and Path(snap).name.startswith("routing-qmlc-"):
            import shutil

            shutil.rmtree(snap, ignore_errors=True)
    an = write_reports(stem, header(False), records)
    print(f"done in {time.time() - t_start:.0f} s: goal 1 {an['goal1']['met']}, goal 2 {an['goal2']['met']}, "
          f"goal 3 {an['goal3']['met']}; {len(an['problems'])} problems", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
