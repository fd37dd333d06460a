"""Light cone: drop every gate that cannot influence a block's readouts.

An expectation <psi| U^dag O U |psi> only depends on the gates that do not commute with the
observable as it is pulled back through the circuit (the Heisenberg picture). The pass walks each
circuit backwards keeping, per qubit, the set of Pauli letters (of X, Y, Z) that the pulled-back
observable may have there, starting from the readouts (Pauli terms as written; `probs` and
`samples` are diagonal, so they count as Z on each of their qubits). A gate that commutes with
every letter possible on each of its qubits is dropped; a kept gate maps the sets forward:

- Clifford gates (H, S, SX, CX, CY, CZ, SWAP, the Paulis) map each Pauli string to one string;
  the new sets are the images of every combination of the old letters (identity included), so
  correlations between qubits are over-approximated but nothing is lost;
- Pauli rotations exp(-i t Q / 2) (Rx, Ry, Rz, U1, T, XXPhase, YYPhase, ZZPhase) and gates that are
  products of commuting ones (CRx, CRy, CRz, CU1, CCX) send a string P that anticommutes with Q to
  P and QP;
- anything else (U3, CU3, CH, CSWAP, unknown gates) may leave any letter on any of its qubits.

Removing a gate that commutes with the whole pulled-back observable leaves the expectation (and
the outcome distribution of `probs`/`samples`) unchanged for every input state, so the pass is
exact; a block that starts from another block's state keeps all its qubits, since that state
occupies them. Qubits left without a gate and without a readout are removed and the rest
renumbered; `QuantumBlock.qubits` keeps the way back to the qubits as written.

`mode=gates` is the naive gate-by-gate backward cone (a gate is kept when any of its qubits is in
the cone, and then all of its qubits join it), kept for comparison.

Reads no facts. Writes `facts["light-cone"][node]` = {"mode", "before": {"gates", "qubits",
"params"}, "after": {...}, "mapping": circuit qubit -> qubit as written} for every block with
readouts, and one note per block it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from pytket import Circuit, OpType

from ...frontend.model import Expval, PauliString, Probs, Samples
from ...ir import graph as G
from ...ir.circuits import circuit_symbols
from ...ir.nodes import QuantumBlock
from ..base import Pass, PassContext, PassError

# A Pauli letter as two bits: x = 1, z = 2, so X = 1, Z = 2, Y = 3 and I = 0; the product of two
# letters (up to a phase) is their XOR.
I_, X_, Z_, Y_ = 0, 1, 2, 3
LETTER = {"X": X_, "Y": Y_, "Z": Z_}
ALL = frozenset({X_, Y_, Z_})

_ZD = frozenset({Z_})
_XD = frozenset({X_})
_YD = frozenset({Y_})
_NONE = frozenset()

COMMUTES: dict[OpType, tuple[frozenset, ...]] = {
    # Per qubit, the letters the gate commutes with (for every value of its angles).
    **{t: (_ZD,) for t in (OpType.Rz, OpType.Z, OpType.S, OpType.Sdg, OpType.T, OpType.Tdg,
                           OpType.U1)},
    **{t: (_XD,) for t in (OpType.Rx, OpType.X, OpType.SX, OpType.SXdg)},
    **{t: (_YD,) for t in (OpType.Ry, OpType.Y)},
    **{t: (_ZD, _ZD) for t in (OpType.CZ, OpType.CU1, OpType.CRz, OpType.ZZPhase)},
    OpType.XXPhase: (_XD, _XD),
    OpType.YYPhase: (_YD, _YD),
    OpType.CX: (_ZD, _XD), OpType.CRx: (_ZD, _XD),
    OpType.CY: (_ZD, _YD), OpType.CRy: (_ZD, _YD),
    OpType.CCX: (_ZD, _ZD, _XD),
    # A controlled-U is block diagonal in the control's Z basis, whatever U is.
    OpType.CH: (_ZD, _NONE), OpType.CU3: (_ZD, _NONE), OpType.CSWAP: (_ZD, _NONE, _NONE),
}


def _h(l):
    return ((l & 1) << 1) | (l >> 1)


def _s(l):  # X <-> Y, Z fixed
    return l ^ ((l & 1) << 1)


def _sx(l):  # Y <-> Z, X fixed
    return l ^ (l >> 1)


def _cx(c, t):
    xc, zt = c & 1, t >> 1
    return c ^ (zt << 1), t ^ xc


def _cz(c, t):
    return c ^ ((t & 1) << 1), t ^ ((c & 1) << 1)


def _cy(c, t):
    xc = c & 1
    anti = (t & 1) ^ (t >> 1)  # target letter anticommutes with Y
    return c ^ (anti << 1), t ^ (Y_ if xc else 0)


CLIFFORD = {
    # Conjugation of a Pauli string (letters on the gate's qubits), signs ignored.
    OpType.H: lambda a: (_h(a),),
    OpType.S: lambda a: (_s(a),), OpType.Sdg: lambda a: (_s(a),),
    OpType.SX: lambda a: (_sx(a),), OpType.SXdg: lambda a: (_sx(a),),
    OpType.X: lambda a: (a,), OpType.Y: lambda a: (a,), OpType.Z: lambda a: (a,),
    OpType.CX: _cx, OpType.CZ: _cz, OpType.CY: _cy,
    OpType.SWAP: lambda a, b: (b, a),
}

_CCX = tuple(g for g in product((I_, Z_), (I_, Z_), (I_, X_)) if any(g))
ROTATIONS = {
    # Generators Q of commuting Pauli rotations whose product is the gate (angles generic).
    **{t: ((Z_,),) for t in (OpType.Rz, OpType.U1, OpType.T, OpType.Tdg)},
    OpType.Rx: ((X_,),), OpType.Ry: ((Y_,),),
    OpType.XXPhase: ((X_, X_),), OpType.YYPhase: ((Y_, Y_),), OpType.ZZPhase: ((Z_, Z_),),
    OpType.CRz: ((I_, Z_), (Z_, Z_)), OpType.CU1: ((Z_, I_), (I_, Z_), (Z_, Z_)),
    OpType.CRx: ((I_, X_), (Z_, X_)), OpType.CRy: ((I_, Y_), (Z_, Y_)),
    OpType.CCX: _CCX,
}

IGNORED = {OpType.Barrier}  # no effect on any state: always dropped


def _anticommute(p, q) -> bool:
    return sum(1 for a, b in zip(p, q) if a and b and a != b) % 2 == 1


def _commutes(kind, sets) -> bool:
    if all(not s for s in sets):
        return True
    allowed = COMMUTES.get(kind)
    return allowed is not None and all(s <= ok for s, ok in zip(sets, allowed))


def _propagate(kind, sets) -> list[frozenset]:
    """The letter sets on a kept gate's qubits before it, given those after it."""
    if kind not in CLIFFORD and kind not in ROTATIONS:
        return [ALL] * len(sets)
    strings = set(product(*([I_, *sorted(s)] for s in sets)))
    if kind in CLIFFORD:
        f = CLIFFORD[kind]
        strings = {f(*p) for p in strings}
    else:
        for q in ROTATIONS[kind]:
            strings |= {tuple(a ^ b for a, b in zip(p, q)) for p in strings if _anticommute(p, q)}
    return [frozenset(p[i] for p in strings) - {I_} for i in range(len(sets))]


def _readout_letters(readouts, n: int) -> list[frozenset]:
    sets = [set() for _ in range(n)]
    for r in readouts:
        if isinstance(r, Expval):
            for t in r.terms:
                for q, p in t.ops:
                    if p in LETTER:
                        sets[q].add(LETTER[p])
        else:
            for q in r.qubits:
                sets[q].add(Z_)
    return [frozenset(s) for s in sets]


def _read_qubits(readouts) -> set[int]:
    out = set()
    for r in readouts:
        if isinstance(r, Expval):
            out |= {q for t in r.terms for q, p in t.ops}
        else:
            out |= set(r.qubits)
    return out


def _remap(r, new):
    if isinstance(r, Expval):
        return Expval(tuple(PauliString(t.coeff, tuple((new[q], p) for q, p in t.ops)) for t in r.terms))
    if isinstance(r, Probs):
        return Probs(tuple(new[q] for q in r.qubits))
    return Samples(tuple(new[q] for q in r.qubits), r.shots)


def cone(circuit, readouts, mode: str = "heisenberg") -> list[bool]:
    """For each command of `circuit` (in order), whether it can influence the readouts."""
    cmds = circuit.get_commands()
    index = {q: i for i, q in enumerate(circuit.qubits)}
    keep = [False] * len(cmds)
    if mode == "gates":
        inside = _read_qubits(readouts)
        for k in range(len(cmds) - 1, -1, -1):
            qs = [index[q] for q in cmds[k].qubits]
            if cmds[k].op.type not in IGNORED and any(q in inside for q in qs):
                keep[k] = True
                inside.update(qs)
        return keep
    sets = _readout_letters(readouts, circuit.n_qubits)
    for k in range(len(cmds) - 1, -1, -1):
        kind = cmds[k].op.type
        qs = [index[q] for q in cmds[k].qubits]
        local = [sets[q] for q in qs]
        if kind in IGNORED or _commutes(kind, local):
            continue
        keep[k] = True
        for q, s in zip(qs, _propagate(kind, local)):
            sets[q] = s
    return keep


def _param_elements(b: QuantumBlock, symbols: set[str] | None = None) -> set:
    dropped = set(b.dropped)
    return {(s.block, s.name, s.index) for s in b.symbols if s.kind == "param"
            and (s.block, s.name, s.index) not in dropped and (symbols is None or s.symbol in symbols)}


def prune(b: QuantumBlock, mode: str = "heisenberg") -> QuantumBlock:
    """The block without the gates (and idle qubits) that cannot influence its readouts; the
    block itself when nothing can be removed."""
    circ = b.circuit
    cmds = circ.get_commands()
    if (b.state or not b.readouts or any(c.bits or c.op.type == OpType.Conditional for c in cmds)
            or any(k != v for k, v in circ.implicit_qubit_permutation().items())):
        return b  # classical wires or implicit swaps: leave such a circuit alone
    keep = cone(circ, b.readouts, mode)
    index = {q: i for i, q in enumerate(circ.qubits)}
    kept = [c for c, k in zip(cmds, keep) if k]
    if b.from_state:
        used = list(range(circ.n_qubits))
    else:
        busy = _read_qubits(b.readouts) | {index[q] for c in kept for q in c.qubits}
        used = sorted(busy) or [0]  # a circuit keeps at least one qubit
    if len(kept) == len(cmds) and len(used) == circ.n_qubits:
        return b
    new = {old: i for i, old in enumerate(used)}
    out = Circuit(len(used), name=circ.name) if circ.name else Circuit(len(used))
    for c in kept:
        out.add_gate(c.op, [new[index[q]] for q in c.qubits])
    out.add_phase(circ.phase)
    before, after = circuit_symbols(circ), circuit_symbols(out)
    gone = [(s.block, s.name, s.index) for s in b.symbols
            if s.kind == "param" and s.symbol in before and s.symbol not in after]
    dropped = tuple(dict.fromkeys(b.dropped + tuple(gone)))
    return b.with_(circuit=out, readouts=tuple(_remap(r, new) for r in b.readouts),
                   qubits=tuple(b.qubits[i] for i in used), dropped=dropped)


@dataclass(frozen=True)
class LightCone(Pass):
    """Remove the gates outside the readouts' backward light cone (see the module docstring)."""

    name = "light-cone"
    description = "drop gates and qubits outside the readouts' backward light cone"

    mode: str = "heisenberg"  # or "gates": the naive gate-by-gate cone

    def __post_init__(self):
        if self.mode not in ("heisenberg", "gates"):
            raise PassError(f"pass `light-cone`: unknown mode `{self.mode}`",
                            hint="use mode=heisenberg or mode=gates")

    def run(self, graph, context: PassContext):
        out = G.copy(graph)
        facts = context.facts.setdefault("light-cone", {})
        names = [b.name for _, b in G.blocks(graph)]
        for n, b in G.blocks(graph):
            if b.state or not b.readouts:
                continue
            p = prune(b, self.mode)
            gb, ga = b.circuit.n_gates, p.circuit.n_gates
            qb, qa = b.n_qubits, p.n_qubits
            pb = len(_param_elements(b, circuit_symbols(b.circuit)))
            pa = len(_param_elements(p, circuit_symbols(p.circuit)))
            facts[n] = {"mode": self.mode,
                        "before": {"gates": gb, "qubits": qb, "params": pb},
                        "after": {"gates": ga, "qubits": qa, "params": pa},
                        "mapping": tuple(p.qubits)}
            if p is b:
                continue
            out.nodes[n]["op"] = p
            where = f"block `{b.name}`" + (f" (node `{n}`)" if names.count(b.name) > 1 else "")
            context.note(self.name, f"{where}: kept {pa} of {pb} parameters on {qa} of {qb} qubits "
                                    f"({ga} of {gb} gates)")
        return out
