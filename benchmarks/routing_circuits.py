"""Circuits of the routing benchmark (`benchmarks/routing.py`), as pytket `Circuit`s.

Every angle is a number (half-turns, as pytket wants), drawn from a seeded generator, so a circuit
is the same on every run and for every compiler. Nothing here needs Qiskit.

Two categories:

- *standard*: `ghz`, `qft` (with the final qubit-reversing SWAPs, as Qiskit's library QFT),
  `qaoa` (random 3-regular graph, p = 2), `random` (depth 10, one- and two-qubit gates),
  `graphstate` (random 2-regular graph), `dj` (Deutsch-Jozsa, balanced oracle, n - 1 inputs and
  one ancilla). QAOA, graph state and the hybrid ansätze follow the anchors'
  `shared/anchors/peers_route.py` (same graphs and angle seeds).
- *hybrid*: circuits of hybrid models: `hea_line`, `hea_ring`, `hea_full` (angle encoding RY(x),
  then 3 layers of RY, RZ on every qubit and a CNOT chain / ring / all pairs i < j),
  `reupload` (data re-uploading, 4 layers of RY(x) RZ RY and a CNOT chain), and the quantum
  blocks of `examples/*.qml` (`ex_<model>_<block>`: symbols replaced by seeded numbers).

    >>> c = build("hea_ring", 8)
    >>> c.n_qubits, logical_two_qubit_count(c)
    (8, 24)
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import networkx as nx
import numpy as np
from pytket import Circuit, OpType

ROOT = Path(__file__).resolve().parents[1]
ANGLE_SEED = 1234  # as the anchors

STANDARD = ("ghz", "qft", "qaoa", "random", "graphstate", "dj")
HYBRID = ("hea_line", "hea_ring", "hea_full", "reupload")
FAMILIES = STANDARD + HYBRID


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng([ANGLE_SEED, *key])


def _ht(radians: float) -> float:
    """Radians to pytket's half-turns."""
    return float(radians) / math.pi


# --- standard circuits -------------------------------------------------------------------------

def ghz(n: int) -> Circuit:
    c = Circuit(n, name=f"ghz_{n}")
    c.H(0)
    for i in range(n - 1):
        c.CX(i, i + 1)
    return c


def qft(n: int, swaps: bool = True) -> Circuit:
    """The textbook QFT: H, then controlled phases pi/2^k (CU1), then the reversing SWAPs."""
    c = Circuit(n, name=f"qft_{n}")
    for j in range(n):
        c.H(j)
        for k in range(j + 1, n):
            c.add_gate(OpType.CU1, [1.0 / 2 ** (k - j)], [k, j])
    if swaps:
        for i in range(n // 2):
            c.SWAP(i, n - 1 - i)
    return c


def regular3(n: int, seed: int) -> nx.Graph:
    """A random 3-regular graph (the anchors' choice); for odd n, one on n + 1 nodes less node n."""
    if n % 2 == 0:
        return nx.random_regular_graph(3, n, seed=seed)
    g = nx.random_regular_graph(3, n + 1, seed=seed)
    g.remove_node(n)
    return g


def qaoa(n: int, p: int = 2) -> Circuit:
    """MaxCut QAOA on a random 3-regular graph: H on all, then p x (RZZ(2 gamma) per edge,
    RX(2 beta) on all). Graph and angles as the anchors' `c_qaoa`."""
    rng = np.random.default_rng(ANGLE_SEED + n)
    g = regular3(n, seed=n)
    c = Circuit(n, name=f"qaoa_{n}")
    for i in range(n):
        c.H(i)
    for _ in range(p):
        gamma, beta = rng.uniform(0, 2 * np.pi, 2)
        for i, j in sorted(g.edges()):
            c.ZZPhase(_ht(2 * gamma), i, j)
        for i in range(n):
            c.Rx(_ht(2 * beta), i)
    return c


_ONE_Q_FIXED = (OpType.H, OpType.X, OpType.Y, OpType.Z, OpType.S, OpType.Sdg, OpType.T, OpType.Tdg,
                OpType.SX)
_ONE_Q_ROT = (OpType.Rx, OpType.Ry, OpType.Rz)
_TWO_Q_FIXED = (OpType.CX, OpType.CZ, OpType.CY, OpType.CH, OpType.SWAP)
_TWO_Q_ROT = (OpType.CRz, OpType.CRx, OpType.CRy, OpType.CU1, OpType.ZZPhase)


def random_circuit(n: int, depth: int = 10, seed: int = 7) -> Circuit:
    """`depth` layers; in each, the qubits are shuffled and taken one or two at a time (even
    odds), each group getting a random gate of that width (fixed or with a random angle), in
    the manner of Qiskit's `random_circuit(max_operands=2)`."""
    rng = np.random.default_rng([seed, n])
    c = Circuit(n, name=f"random_{n}")
    for _ in range(depth):
        order = list(rng.permutation(n))
        while order:
            if len(order) >= 2 and rng.random() < 0.5:
                a, b = int(order.pop()), int(order.pop())
                if rng.random() < 0.5:
                    c.add_gate(_TWO_Q_FIXED[rng.integers(len(_TWO_Q_FIXED))], [a, b])
                else:
                    c.add_gate(_TWO_Q_ROT[rng.integers(len(_TWO_Q_ROT))], [float(rng.uniform(0, 2))], [a, b])
            else:
                a = int(order.pop())
                if rng.random() < 0.5:
                    c.add_gate(_ONE_Q_FIXED[rng.integers(len(_ONE_Q_FIXED))], [a])
                else:
                    c.add_gate(_ONE_Q_ROT[rng.integers(len(_ONE_Q_ROT))], [float(rng.uniform(0, 2))], [a])
    return c


def graphstate(n: int) -> Circuit:
    """H on all, CZ on the edges of a random 2-regular graph (as MQT Bench, seed 10)."""
    g = nx.random_regular_graph(2, n, seed=10)
    c = Circuit(n, name=f"graphstate_{n}")
    for i in range(n):
        c.H(i)
    for i, j in sorted(g.edges()):
        c.CZ(i, j)
    return c


def dj(n: int) -> Circuit:
    """Deutsch-Jozsa with a balanced oracle: inputs 0..n-2, ancilla n-1; the oracle is X on a
    seeded bit string, CX from every input to the ancilla, and the same X again."""
    rng = np.random.default_rng([ANGLE_SEED, 300, n])
    bits = rng.integers(0, 2, n - 1)
    c = Circuit(n, name=f"dj_{n}")
    c.X(n - 1)
    for i in range(n):
        c.H(i)
    for i in range(n - 1):
        if bits[i]:
            c.X(i)
    for i in range(n - 1):
        c.CX(i, n - 1)
    for i in range(n - 1):
        if bits[i]:
            c.X(i)
    for i in range(n - 1):
        c.H(i)
    return c


# --- hybrid-model circuits ---------------------------------------------------------------------

def entangler_pairs(n: int, kind: str) -> list[tuple[int, int]]:
    if kind == "line":
        return [(i, i + 1) for i in range(n - 1)]
    if kind == "ring":
        return [(i, (i + 1) % n) for i in range(n)] if n > 2 else [(0, 1)]
    if kind == "full":
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    raise ValueError(kind)


def hea(n: int, entanglement: str, layers: int = 3) -> Circuit:
    """Hardware-efficient ansatz of a hybrid model: angle encoding RY(x_i), then `layers` x
    (RY(t), RZ(t) on every qubit, CNOTs on the entangler's pairs). With a ring this is the
    anchors' `qml_hea_ring` (same angles)."""
    rng = np.random.default_rng(ANGLE_SEED + 100 + n)
    c = Circuit(n, name=f"hea_{entanglement}_{n}")
    for i in range(n):
        c.Ry(_ht(rng.uniform(0, np.pi)), i)
    pairs = entangler_pairs(n, entanglement)
    for _ in range(layers):
        for i in range(n):
            c.Ry(_ht(rng.uniform(0, 2 * np.pi)), i)
            c.Rz(_ht(rng.uniform(0, 2 * np.pi)), i)
        for a, b in pairs:
            c.CX(a, b)
    return c


def reupload(n: int, layers: int = 4) -> Circuit:
    """Data re-uploading (the anchors' `qml_reupload_chain`): per layer RY(x_i) (the same x every
    layer), trainable RZ, RY on every qubit, then a CNOT chain 0-1-...-(n-1)."""
    rng = np.random.default_rng(ANGLE_SEED + 200 + n)
    x = rng.uniform(0, np.pi, n)
    c = Circuit(n, name=f"reupload_{n}")
    for _ in range(layers):
        for i in range(n):
            c.Ry(_ht(x[i]), i)
            c.Rz(_ht(rng.uniform(0, 2 * np.pi)), i)
            c.Ry(_ht(rng.uniform(0, 2 * np.pi)), i)
        for i in range(n - 1):
            c.CX(i, i + 1)
    return c


def example_blocks() -> dict[str, Circuit]:
    """The quantum blocks of `examples/*.qml` with at least one two-qubit gate, as numeric
    circuits: every symbol (parameter or data input) replaced by a number in [0, 2pi) radians
    from a generator seeded by the block's name. Blocks with the same gates on the same qubits
    (angles aside) are kept once, under the first name in file order."""
    from qml_compiler.frontend import load_file
    from qml_compiler.ir import lower

    out: dict[str, Circuit] = {}
    seen: set[str] = set()
    for path in sorted((ROOT / "examples").glob("*.qml")):
        try:
            models = load_file(str(path))
        except Exception:  # an example that needs includes we cannot resolve here
            continue
        for spec in (models.values() if isinstance(models, dict) else models):
            graph = lower(spec)
            for node in graph.nodes:
                op = graph.nodes[node]["op"]
                if getattr(op, "kind", None) != "quantum":
                    continue
                circ = op.circuit.copy()
                if circ.n_qubits < 2 or circ.n_2qb_gates() == 0:
                    continue
                name = f"ex_{spec.name}_{op.name}"
                symbols = sorted(circ.free_symbols(), key=str)
                rng = np.random.default_rng([ANGLE_SEED, zlib.crc32(name.encode())])
                values = rng.uniform(0, 2, len(symbols))  # half-turns of [0, 2pi)
                # sympy expressions carry radians / pi: a symbol's value is given in radians
                circ.symbol_substitution({s: float(v) * math.pi for s, v in zip(symbols, values)})
                key = repr([(cmd.op.type, [q.index for q in cmd.qubits]) for cmd in circ.get_commands()])
                if key in seen:
                    continue
                seen.add(key)
                circ.name = name
                out[name] = circ
    return out


_EXAMPLES: dict[str, Circuit] | None = None


def examples() -> dict[str, Circuit]:
    global _EXAMPLES
    if _EXAMPLES is None:
        _EXAMPLES = example_blocks()
    return _EXAMPLES


BUILDERS = {
    "ghz": ghz, "qft": qft, "qaoa": qaoa, "random": random_circuit, "graphstate": graphstate, "dj": dj,
    "hea_line": lambda n: hea(n, "line"), "hea_ring": lambda n: hea(n, "ring"),
    "hea_full": lambda n: hea(n, "full"), "reupload": reupload,
}


def category(family: str) -> str:
    return "standard" if family in STANDARD else "hybrid"


def build(family: str, n: int | None = None) -> Circuit:
    """The circuit of a family at n qubits, or an example block by name (n ignored)."""
    if family.startswith("ex_"):
        return examples()[family].copy()
    if family not in BUILDERS:
        raise KeyError(f"unknown circuit family {family!r}; known: {', '.join(FAMILIES)} and ex_*")
    c = BUILDERS[family](n)
    assert c.n_qubits == n, (family, n, c.n_qubits)
    return c


# --- the logical circuit's two-qubit gates -----------------------------------------------------

def logical_two_qubit_count(circ: Circuit) -> int:
    """Two-qubit gates of the logical circuit in CX equivalents, counted the same way for every
    tool: boxes decomposed, then pytket's `AutoRebase` to {CX, TK1} with no optimisation (CX,
    CZ: 1; CU1, CRz, ZZPhase: 2; SWAP: 3; ...), then the CXs counted."""
    from pytket.passes import AutoRebase, DecomposeBoxes

    c = circ.copy()
    DecomposeBoxes().apply(c)
    AutoRebase({OpType.CX, OpType.TK1}).apply(c)
    return sum(1 for cmd in c.get_commands() if cmd.op.type == OpType.CX)


def native_counts(circ: Circuit) -> dict:
    """Two-qubit gates (any operation on exactly two qubits, barriers aside), total gates,
    depth and two-qubit depth of a compiled circuit."""
    n2 = ntot = 0
    for cmd in circ.get_commands():
        if cmd.op.type in (OpType.Barrier, OpType.Measure):
            continue
        ntot += 1
        if len(cmd.qubits) == 2:
            n2 += 1
    return {"two_qubit_gates": n2, "gates": ntot, "depth": circ.depth(), "depth_2q": circ.depth_2q()}
