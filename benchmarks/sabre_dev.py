"""SABRE development benchmark (results in benchmarks/results/sabre_dev.md): `sabre_layout` +
`sabre_route` alone on the routing benchmark's circuits, the two-qubit gates of the native result
after the same clean-up as compile.py, and the time of layout and route.

    python benchmarks/sabre_dev.py --layout "trials=16,iterations=3"            # today's sabre.py
    python benchmarks/sabre_dev.py --impl /tmp/sabre_old.py --layout "trials=8,iterations=3,budget_s=3.0"
    python benchmarks/sabre_dev.py --set ROUTE_TRIALS=16                        # a module constant changed

`--impl` loads sabre from a file (e.g. an older version from `git show REV:qml_compiler/quantum/sabre.py`),
so two versions run in one process, one after the other, on the same machine load.
"""
import argparse
import importlib
import importlib.util
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import routing_circuits as rc
from pytket.passes import DecomposeSwapsToCXs

from qml_compiler.quantum import levels
from qml_compiler.quantum.compile import _to_native
from qml_compiler.quantum.targets import get_target


def load(path):
    if not path.endswith(".py"):
        return importlib.import_module(path)
    spec = importlib.util.spec_from_file_location(f"sabre_impl_{abs(hash(path))}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def kwargs(spec):
    out = {}
    for part in filter(None, spec.split(",")):
        k, v = part.split("=")
        out[k] = None if v == "None" else float(v) if "." in v else int(v)
    return out


def run_case(mod, target_name, family, n, layout_kw, route_kw):
    target = get_target(target_name)
    g = target.graph()
    circ = rc.build(family, n)
    opt = circ.copy()
    levels.optimise_pass(2, True).apply(opt)
    t0 = time.perf_counter()
    pl = mod.sabre_layout(opt, g, seed=0, **layout_kw)
    t1 = time.perf_counter()
    routed, _final, nsw = mod.sabre_route(opt, g, pl, seed=0, **route_kw)
    t2 = time.perf_counter()
    c = routed.copy()
    arch = target.architecture()  # kept alive: the pass holds a reference to it
    DecomposeSwapsToCXs(arch).apply(c)
    levels.cleanup_pass(2, True).apply(c)
    _to_native(c, target)
    for cmd in c.get_commands():
        if len(cmd.qubits) == 2:
            a, b = (q.index[-1] for q in cmd.qubits)
            assert g.has_edge(a, b), (cmd, a, b)
    return {"case": f"{target_name}/{family}-{n}", "2q": c.n_2qb_gates(), "swaps": nsw,
            "t_layout": t1 - t0, "t_route": t2 - t1}


def per_trial(old, target_name, family, n, reps_old=3, reps_new=21):
    """One forward routing from the trivial layout, the old pure-Python `_route_core` (plus its
    `_estimate`) against the compiled `sabre_core.route_trial`, same process: median times."""
    import random
    import statistics

    import numpy as np

    from qml_compiler.quantum import sabre as new
    from qml_compiler.quantum import sabre_core as core

    g = get_target(target_name).graph()
    c = rc.build(family, n)
    levels.optimise_pass(2, True).apply(c)
    po, do = old._Prepared(c), old._device(g)
    pn, dn = new._Prepared(c), new._device(g)
    l2p = list(range(n))
    npred = [len(p) for p in po.pred2]

    def t_old():
        t = time.perf_counter()
        ev, _, _ = old._route_core(po.gates, po.succ, npred, l2p, do.N, do, random.Random(1), 0.0)
        est = old._estimate(ev, po.gates, po.cost, l2p, do.N)[0]
        return time.perf_counter() - t, est

    a = np.array(l2p, dtype=np.int64)

    def t_new():
        t = time.perf_counter()
        r = core.route_trial(pn.a_gates, *pn.a_succ, pn.a_npred, pn.a_cost, a, *dn.core_args(), 1, 0.0)
        return time.perf_counter() - t, int(r[0])

    t_new()
    ro = [t_old() for _ in range(reps_old)]
    rn = [t_new() for _ in range(reps_new)]
    mo = statistics.median(x[0] for x in ro)
    mn = statistics.median(x[0] for x in rn)
    return {"case": f"{target_name}/{family}-{n}", "gates2q": len(pn.gates), "old_ms": mo * 1e3,
            "new_ms": mn * 1e3, "speedup": mo / mn, "old_est": ro[0][1], "new_est": rn[0][1]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", default="qml_compiler.quantum.sabre", help="a module name or a .py file")
    ap.add_argument("--set", default="", help="module constants to override, e.g. ROUTE_TRIALS=16")
    ap.add_argument("--targets", default="heavy-hex-27,line-27")
    ap.add_argument("--circuits", default="random,qaoa,qft,hea_ring,hea_full,dj")
    ap.add_argument("--sizes", default="16,27")
    ap.add_argument("--layout", default="", help="sabre_layout keywords, e.g. trials=8,iterations=3,budget_s=3.0")
    ap.add_argument("--route", default="", help="sabre_route keywords, e.g. trials=8")
    ap.add_argument("--out", default=None, help="append JSON lines here")
    ap.add_argument("--per-trial", default=None, metavar="OLD_IMPL",
                    help="instead: time one routing, this older sabre.py's Python core against today's compiled one")
    a = ap.parse_args()
    if a.per_trial:
        old = load(a.per_trial)
        for t in a.targets.split(","):
            for n in map(int, a.sizes.split(",")):
                if n > get_target(t).n_qubits:
                    continue
                for f in a.circuits.split(","):
                    r = per_trial(old, t, f, n)
                    print(f"{r['case']:28s} 2q gates={r['gates2q']:5d} old {r['old_ms']:8.1f} ms  compiled "
                          f"{r['new_ms']:7.2f} ms  x{r['speedup']:.0f}  (estimates {r['old_est']} / {r['new_est']})",
                          flush=True)
                    if a.out:
                        with open(a.out, "a") as fh:
                            fh.write(json.dumps(r) + "\n")
        return
    mod = load(a.impl)
    for name, value in kwargs(a.set).items():
        assert hasattr(mod, name), name
        setattr(mod, name, value)
    lk, rk = kwargs(a.layout), kwargs(a.route)
    # warm-up: load (or compile) the numba core before the first timed case
    t0 = time.perf_counter()
    run_case(mod, "line-27", "hea_ring", 4, {"trials": 1}, {"trials": 1})
    print(f"warm-up (imports, numba cache load or compile): {time.perf_counter() - t0:.2f}s", flush=True)
    for t in a.targets.split(","):
        N = get_target(t).n_qubits
        for n in map(int, a.sizes.split(",")):
            if n > N:
                continue
            for f in a.circuits.split(","):
                r = run_case(mod, t, f, n, lk, rk)
                r.update(impl=a.impl, layout=a.layout, route=a.route, set=a.set)
                print(f"{r['case']:28s} 2q={r['2q']:5d} swaps={r['swaps']:4d} layout={r['t_layout']:7.2f}s "
                      f"route={r['t_route']:6.2f}s", flush=True)
                if a.out:
                    with open(a.out, "a") as fh:
                        fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
