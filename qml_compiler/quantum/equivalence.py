"""Is the compiled circuit still the logical one? Checked, not assumed.

With every symbol (parameters and data) bound to the same random numbers in both, the compiled
circuit's statevector must equal the logical one's with logical qubit `i` moved to physical qubit
`final_map[i]`, every other physical qubit in |0>, up to a global phase. Independent of our own
simulator: the statevectors come from pytket's. The compiled circuit must also keep to the
target: native gates only, two-qubit gates only on coupled pairs.

    >>> check(compiled)                  # raises VerificationError with what differs
    EquivalenceReport(checked=True, trials=3, worst_infidelity=2.2e-16, ...)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pytket import Circuit, OpType

from ..diagnostics import VerificationError

MAX_VERIFY_QUBITS = 16
"""Beyond this many physical qubits a statevector check costs too much; it is skipped and the
report says so."""


@dataclass
class EquivalenceReport:
    checked: bool
    trials: int = 0
    worst_infidelity: float = 0.0
    qubits: int = 0
    reason: str = ""

    def to_json(self) -> dict:
        return {"checked": self.checked, "trials": self.trials, "worst_infidelity": self.worst_infidelity,
                "qubits": self.qubits, "reason": self.reason}

    def __str__(self) -> str:
        if not self.checked:
            return f"not verified: {self.reason}"
        return (f"verified: same statevector on {self.trials} random bindings "
                f"(worst infidelity {self.worst_infidelity:.1e}, {self.qubits} qubits)")


def bind(circ: Circuit, values: dict) -> Circuit:
    c = circ.copy()
    if values:
        c.symbol_substitution(values)
    return c


def random_bindings(circ: Circuit, rng: np.random.Generator) -> dict:
    """Each free symbol to a random angle-sized value (half-turns in [-2, 2), data in [-π, π))."""
    return {s: float(rng.uniform(-2.0, 2.0)) for s in circ.free_symbols()}


def statevector(circ: Circuit) -> np.ndarray:
    """The statevector of a bound circuit from |0...0>, qubits in the circuit's order, first most
    significant (pytket's convention). Each gate's matrix is pytket's own (`Op.get_unitary`),
    applied by tensor contraction, so this scales to the qubit counts of routed circuits, where
    pytket's `get_statevector` (which builds the whole unitary) stops at about 10."""
    n = circ.n_qubits
    index = {q: k for k, q in enumerate(circ.qubits)}
    psi = np.zeros((2,) * n, dtype=complex)
    psi[(0,) * n] = 1.0
    phase = complex(np.exp(1j * np.pi * float(circ.phase)))
    for cmd in circ.get_commands():
        if cmd.op.type == OpType.Barrier:
            continue
        axes = [index[q] for q in cmd.qubits]
        k = len(axes)
        u = np.asarray(cmd.op.get_unitary(), dtype=complex).reshape((2,) * (2 * k))
        psi = np.tensordot(u, psi, axes=(list(range(k, 2 * k)), axes))
        psi = np.moveaxis(psi, list(range(k)), axes)
    perm = circ.implicit_qubit_permutation()
    if any(a != b for a, b in perm.items()):
        # Qubit a's state ends on wire perm[a]: move the axes accordingly.
        src = [index[a] for a in perm]
        dst = [index[perm[a]] for a in perm]
        psi = np.moveaxis(psi, src, dst)
    return phase * psi.reshape(-1)


def placed_state(logical: np.ndarray, n: int, final_map: dict[int, int], physical: list[int]) -> np.ndarray:
    """The logical state laid onto the physical qubits: logical qubit i on physical
    `final_map[i]`, the rest in |0>, in the order of `physical`."""
    m = len(physical)
    pos = {p: k for k, p in enumerate(physical)}
    psi = logical.reshape((2,) * n)
    full = np.zeros((2,) * m, dtype=complex)
    axes = [pos[final_map[i]] for i in range(n)]
    index: list = [0] * m
    for a in axes:
        index[a] = slice(None)
    # Transpose the logical tensor so its axes follow the physical order of their qubits.
    order = sorted(range(n), key=lambda i: axes[i])
    full[tuple(index)] = psi.transpose(order)
    return full.reshape(-1)


def check_gates(compiled, stage: str = "native") -> None:
    """Native gates only, and two-qubit gates on coupled pairs."""
    circ = compiled.stages[stage]
    target = compiled.target
    allowed = target.optypes() if stage == "native" else None
    coupling = None if target.all_to_all else target.graph()
    for cmd in circ.get_commands():
        t = cmd.op.type
        if t in (OpType.Barrier, OpType.Phase):
            continue
        if allowed is not None and t not in allowed:
            raise VerificationError(f"the {stage} circuit for `{target.name}` has a `{t.name}` gate, which the "
                                    f"target does not have (native: {', '.join(target.gates)})")
        if len(cmd.qubits) == 2 and coupling is not None:
            a, b = (q.index[0] for q in cmd.qubits)
            if not coupling.has_edge(a, b):
                raise VerificationError(f"the {stage} circuit for `{target.name}` has `{t.name}` on qubits "
                                        f"{a} and {b}, which are not coupled")
        if len(cmd.qubits) > 2 and coupling is not None:
            raise VerificationError(f"the {stage} circuit has a {len(cmd.qubits)}-qubit `{t.name}` gate")


def check(compiled, stage: str = "native", trials: int = 3, seed: int = 0, atol: float = 1e-8,
          max_qubits: int = MAX_VERIFY_QUBITS) -> EquivalenceReport:
    """Compare `compiled.stages[stage]` with the logical circuit; raise `VerificationError`
    if they differ, return a report (saying why not, where the qubit count is too large)."""
    check_gates(compiled, stage)
    logical = compiled.stages["logical"]
    circ = compiled.stages[stage]
    physical = sorted(q.index[0] for q in circ.qubits)
    n = logical.n_qubits
    if stage in ("logical", "optimised"):
        final = {i: i for i in range(n)}
        physical = list(range(circ.n_qubits))
    else:
        final = compiled.final_map
    if max(len(physical), n) > max_qubits:
        return EquivalenceReport(False, qubits=len(physical),
                                 reason=f"{len(physical)} qubits is more than a statevector check "
                                        f"affords here ({max_qubits})")
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(trials):
        values = random_bindings(logical, rng)
        values.update({s: float(rng.uniform(-2.0, 2.0)) for s in circ.free_symbols() if s not in values})
        want = placed_state(statevector(bind(logical, values)), n, final, physical)
        got = statevector(bind(circ, values))
        infidelity = float(max(0.0, 1.0 - abs(np.vdot(want, got))))
        worst = max(worst, infidelity)
        if infidelity > atol:
            raise VerificationError(
                f"the {stage} circuit for `{compiled.target.name}` does not compute the logical one: "
                f"infidelity {infidelity:.3g} with symbols bound to random values",
                hint="this is a compiler bug unless a user pass changed the circuit; "
                     "rerun without --pass to tell which")
    return EquivalenceReport(True, trials, worst, len(physical))
