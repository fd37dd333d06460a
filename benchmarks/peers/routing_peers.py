"""The peer compilers of the routing benchmark (`benchmarks/routing.py`), configured as in
`shared/anchors/peers_route.py`:

- `qiskit-O1`, `qiskit-O3`: `qiskit.transpile(optimization_level=1 | 3, seed_transpiler=seed)`
  with the target's coupling map (both directions of every coupler) and its native gates as
  `basis_gates`; `qiskit-O3-best5`: level 3 with seeds 0..4, the fewest two-qubit gates
  (then the smallest depth) kept.
- `pytket-plain`: DecomposeBoxes, FullPeepholeOptimise, AutoRebase to the native gates,
  DefaultMappingPass (GraphPlacement, LexiLabelling, LexiRoute), KAKDecomposition,
  CliffordSimp, SynthesiseTket, AutoRebase, AutoSquash, RemoveRedundancies: pytket-qiskit's
  level-2 pass for IBM written out with pytket's own placement and routing.
- `pytket-qiskit`: `IBMQBackend.pass_from_info(BackendInfo(...), optimisation_level=2)`, the
  default compilation pass of pytket-qiskit's IBM backends built offline from the target (its
  mapping step is Qiskit's Sabre layout and routing).

Every compiler gets the same pytket circuit (Qiskit gets it through `tk_to_qiskit`, converted
before the clock starts) and the same `Target`. Each returns a `Compiled`: the native circuit as a
pytket `Circuit` whose qubit `i` (any register) is physical qubit `i`, the initial and final
positions of every logical qubit, and the wall time of each run of the compile call alone.
"""

from __future__ import annotations

import gc
import time
import warnings
from dataclasses import dataclass, field

from pytket import Circuit, OpType, Qubit

warnings.filterwarnings("ignore", category=DeprecationWarning)

SLOW_S = 5.0  # a compile slower than this is not repeated


@dataclass
class Compiled:
    circuit: Circuit
    initial: list[int]  # logical qubit i starts on physical qubit initial[i]
    final: list[int]  # ... and ends on final[i]
    times: list[float]  # seconds per run of the compile call
    info: dict = field(default_factory=dict)


def timed(fn, reps: int, slow_s: float = SLOW_S):
    """Run `fn` up to `reps` times (once only if the first run is slower than `slow_s`);
    return the last result and every run's wall time. The collector runs before each run."""
    times, res = [], None
    for _ in range(max(1, reps)):
        gc.collect()
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
        if times[0] > slow_s:
            break
    return res, times


def phys_index(q) -> int:
    """Physical qubit number of a compiled circuit's qubit (`node[i]`, `q[i]`, ...)."""
    return q.index[-1] if q.index else 0


# --- Qiskit ------------------------------------------------------------------------------------

def to_qiskit(circ: Circuit):
    from pytket.extensions.qiskit import tk_to_qiskit

    return tk_to_qiskit(circ)


def coupling_map(target):
    from qiskit.transpiler import CouplingMap

    if target.edges is None:
        return None
    return CouplingMap([[a, b] for a, b in target.edges] + [[b, a] for a, b in target.edges])


def qiskit_compile(qc, target, level: int, seed: int, reps: int) -> Compiled:
    from pytket.extensions.qiskit import qiskit_to_tk
    from qiskit import transpile

    kw = dict(basis_gates=list(target.gates), optimization_level=level, seed_transpiler=seed)
    cmap = coupling_map(target)
    if cmap is not None:
        kw["coupling_map"] = cmap
    out, times = timed(lambda: transpile(qc, **kw), reps)
    n = qc.num_qubits
    if out.layout is None:
        init = final = list(range(n))
    else:
        init = list(out.layout.initial_index_layout(filter_ancillas=True))[:n]
        final = list(out.layout.final_index_layout(filter_ancillas=True))[:n]
    return Compiled(qiskit_to_tk(out), init, final, times, {"level": level, "seed": seed})


def qiskit_best_of_seeds(qc, target, level: int = 3, seeds=range(5)) -> Compiled:
    """Level `level` with every seed, one run each; the fewest two-qubit gates, then the
    smallest depth, wins. `times` holds one run per seed (the record's time is their sum)."""
    cands = []
    times = []
    for s in seeds:
        c = qiskit_compile(qc, target, level, s, 1)
        times.append(c.times[0])
        n2 = sum(1 for cmd in c.circuit.get_commands() if len(cmd.qubits) == 2)
        cands.append((n2, c.circuit.depth(), s, c))
    best = min(cands, key=lambda x: (x[0], x[1], x[2]))
    res = best[3]
    res.times = times
    res.info = {"level": level, "best_seed": best[2], "seed_two_qubit_gates": [c[0] for c in cands],
                "time_note": "one run per seed; the time is their sum"}
    return res


def qiskit_dropped(qc) -> dict:
    """What Qiskit's level 3 drops as negligible: the logical circuit's parametric two-qubit gates
    (controlled phases, CRz, RZZ, ...) that `transpile(optimization_level=3)` removes when it
    may keep every gate type of the circuit and there is no coupling map (so nothing is routed
    or re-expressed). In QFT these are the controlled phases pi/2^k with k >= 15 that
    `RemoveIdentityEquivalent` and the 2q-block resynthesis treat as identities even with
    `approximation_degree=1.0`. Each such gate is 2 CX equivalents
    (`routing_circuits.logical_two_qubit_count`)."""
    import math

    from qiskit import transpile

    def param2q(c):
        return sum(1 for i in c.data if i.operation.num_qubits == 2 and i.operation.params)

    def near_identity(i):
        return any(abs((float(p) + math.pi) % (2 * math.pi) - math.pi) < math.pi / 2 ** 10
                   for p in i.operation.params)

    # Only gates within pi/2^10 of the identity can be dropped: where there are none (all standard
    # circuits but QFT: their angles are uniform in [0, 2 pi)), nothing is, and two-qubit gates
    # that level 3 merges exactly are not mistaken for drops.
    if not any(i.operation.num_qubits == 2 and i.operation.params and near_identity(i) for i in qc.data):
        return {"gates": 0, "cx_equivalent": 0}
    names = set(qc.count_ops()) | {"cx", "rz", "sx", "x"}
    out = transpile(qc, basis_gates=sorted(names), optimization_level=3, seed_transpiler=0)
    gates = max(param2q(qc) - param2q(out), 0)
    return {"gates": gates, "cx_equivalent": 2 * gates}


# --- pytket ------------------------------------------------------------------------------------

def tk_architecture(target):
    """pytket's view of the target's coupling map with both directions of every coupler, as the
    anchors built it (the map is undirected; pytket's graph placement reads the direction)."""
    from pytket.architecture import Architecture, FullyConnected
    from pytket.circuit import Node

    if target.edges is None:
        return FullyConnected(target.n_qubits)
    return Architecture([(Node(a), Node(b)) for a, b in target.edges] +
                        [(Node(b), Node(a)) for a, b in target.edges])


def pytket_plain_pass(target):
    from pytket.passes import (AutoRebase, AutoSquash, CliffordSimp, DecomposeBoxes, DefaultMappingPass,
                               FullPeepholeOptimise, KAKDecomposition, RemoveRedundancies, SequencePass,
                               SynthesiseTket)

    prim = target.optypes()
    prim1 = {t for t in prim if t not in (OpType.CX, OpType.CZ, OpType.ECR, OpType.ZZPhase, OpType.ZZMax,
                                          OpType.XXPhase, OpType.ISWAPMax)}
    seq = [DecomposeBoxes(), FullPeepholeOptimise()]
    if target.edges is not None:
        seq += [AutoRebase(prim), DefaultMappingPass(tk_architecture(target))]
    seq += [KAKDecomposition(allow_swaps=False), CliffordSimp(False), SynthesiseTket(),
            AutoRebase(prim), AutoSquash(prim1), RemoveRedundancies()]
    return SequencePass(seq)


def pytket_qiskit_pass(target):
    from pytket.backends.backendinfo import BackendInfo
    from pytket.extensions.qiskit import IBMQBackend

    info = BackendInfo("routing-bench", target.name, "0", tk_architecture(target),
                       target.optypes() | {OpType.Measure, OpType.Barrier})
    return IBMQBackend.pass_from_info(info, optimisation_level=2)


def pytket_compile(circ: Circuit, target, which: str, reps: int) -> Compiled:
    from pytket.predicates import CompilationUnit

    p = pytket_plain_pass(target) if which == "pytket-plain" else pytket_qiskit_pass(target)

    def run():
        cu = CompilationUnit(circ.copy())
        p.apply(cu)
        return cu

    cu, times = timed(run, reps)
    n = circ.n_qubits
    init = [phys_index(cu.initial_map[Qubit(i)]) for i in range(n)]
    final = [phys_index(cu.final_map[Qubit(i)]) for i in range(n)]
    c = cu.circuit
    perm = sum(1 for a, b in c.implicit_qubit_permutation().items() if a != b)
    return Compiled(c, init, final, times, {"implicit_permutation_qubits": perm})


PEERS = ("qiskit-O1", "qiskit-O3", "qiskit-O3-best5", "pytket-plain", "pytket-qiskit")
DESCRIPTIONS = {
    "qiskit-O1": "qiskit.transpile, optimization_level=1, seed_transpiler=0",
    "qiskit-O3": "qiskit.transpile, optimization_level=3, seed_transpiler=0",
    "qiskit-O3-best5": "qiskit.transpile, optimization_level=3, best of seeds 0-4 (fewest 2q gates, then depth)",
    "pytket-plain": "pytket: FullPeepholeOptimise, DefaultMappingPass (GraphPlacement + LexiRoute), rebase, clean-up",
    "pytket-qiskit": "pytket-qiskit IBMQBackend default_compilation_pass(2) built offline (Qiskit Sabre mapping)",
}


def compile_peer(tool: str, circ: Circuit, qc, target, reps: int) -> Compiled:
    """`qc`: the circuit already converted for Qiskit (`to_qiskit(circ)`)."""
    if tool == "qiskit-O1":
        return qiskit_compile(qc, target, 1, 0, reps)
    if tool == "qiskit-O3":
        return qiskit_compile(qc, target, 3, 0, reps)
    if tool == "qiskit-O3-best5":
        return qiskit_best_of_seeds(qc, target, 3)
    if tool in ("pytket-plain", "pytket-qiskit"):
        return pytket_compile(circ, target, tool, reps)
    raise KeyError(tool)
