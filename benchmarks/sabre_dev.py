"""SABRE development benchmark (results in benchmarks/results/sabre_dev.md): `sabre_layout` +
`sabre_route` alone on the routing benchmark's circuits, the two-qubit gates of the native result
after the same clean-up as compile.py, and the time of layout and route.

    python benchmarks/sabre_dev.py --impl qml_compiler/quantum/sabre.py --layout "trials=8,iterations=3"
    python benchmarks/sabre_dev.py --impl /tmp/sabre_old.py --layout "trials=8,iterations=3,budget_s=3"

`--impl` loads sabre from a file (e.g. an older version from `git show REV:qml_compiler/quantum/sabre.py`),
so two versions run in one process, one after the other, on the same machine load.
"""
import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import routing_circuits as rc  # noqa: E402
from pytket.passes import DecomposeSwapsToCXs  # noqa: E402

from qml_compiler.quantum import levels  # noqa: E402
from qml_compiler.quantum.compile import _to_native  # noqa: E402
from qml_compiler.quantum.targets import get_target  # noqa: E402


def load(path):
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
    routed, final, nsw = mod.sabre_route(opt, g, pl, seed=0, **route_kw)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impl", default=str(Path(__file__).resolve().parents[1] / "qml_compiler/quantum/sabre.py"))
    ap.add_argument("--targets", default="heavy-hex-27,line-27")
    ap.add_argument("--circuits", default="random,qaoa,qft,hea_ring,hea_full,dj")
    ap.add_argument("--sizes", default="16,27")
    ap.add_argument("--layout", default="", help="sabre_layout keywords, e.g. trials=8,iterations=3,budget_s=3.0")
    ap.add_argument("--route", default="", help="sabre_route keywords, e.g. trials=8")
    ap.add_argument("--out", default=None, help="append JSON lines here")
    a = ap.parse_args()
    mod = load(a.impl)
    lk, rk = kwargs(a.layout), kwargs(a.route)
    for t in a.targets.split(","):
        N = get_target(t).n_qubits
        for n in map(int, a.sizes.split(",")):
            if n > N:
                continue
            for f in a.circuits.split(","):
                r = run_case(mod, t, f, n, lk, rk)
                r.update(impl=a.impl, layout=a.layout, route=a.route)
                print(f"{r['case']:28s} 2q={r['2q']:5d} swaps={r['swaps']:4d} layout={r['t_layout']:7.2f}s "
                      f"route={r['t_route']:6.2f}s", flush=True)
                if a.out:
                    with open(a.out, "a") as fh:
                        fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
