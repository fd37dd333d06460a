"""A circuit as a flat list of gates with per-sample matrices, for the noisy simulators.

The runtime's `Program` (built without fusion, so that one operation is one gate of the circuit)
supplies the matrices of a whole batch at once; this module adds what noise needs and the
runtime does not keep: which gate each operation was (virtual gates carry no error), the
device qubit it acts on (per-qubit error rates), and which qubits are simulated at all (idle
qubits that nothing measures are dropped, so a block placed on 4 of 27 device qubits costs 4).

Every symbol of the circuit is a per-sample value: `bindings` maps a symbol (name or sympy
Symbol) to a scalar or a (batch,) array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from pytket import Circuit, OpType
from pytket.passes import AutoRebase

from ..diagnostics import ConfigError, ShapeError
from ..runtime.program import KIND_M1, KIND_M2, Program

_TWO_QUBIT_PARAM = {OpType.CRx, OpType.CRy, OpType.CRz, OpType.CU1, OpType.XXPhase,
                    OpType.YYPhase, OpType.ZZPhase}
_REFUSED = {OpType.Measure, OpType.Reset, OpType.Conditional}


def device_index(qubit) -> int:
    """The number of a circuit qubit: its index (q[3] and node[3] are 3)."""
    idx = qubit.index
    return int(idx[0]) if len(idx) == 1 else hash(qubit)


@dataclass
class Gate:
    """One gate of the plan: `code` row (kind, q0, q1, slot) of the runtime's Program, its pytket
    type name, the simulated qubits and the device qubits it acts on."""

    kind: int
    qubits: tuple[int, ...]
    slot: int
    name: str
    device: tuple[int, ...]


class Plan:
    """A circuit ready for batched noisy simulation; build once, run with many bindings."""

    def __init__(self, circuit: Circuit, keep=()):
        """`keep`: positions in `circuit.qubits` simulated even when no gate touches them
        (the measured ones)."""
        for cmd in circuit.get_commands():
            if cmd.op.type in _REFUSED or cmd.bits:
                raise ConfigError(f"the noisy simulator runs unitary circuits; `{cmd.op.type.name}` is not one",
                                  hint="readouts are given separately; measurements are added by the backend path")
        all_qubits = list(circuit.qubits)
        used = {q for cmd in circuit.get_commands() if cmd.op.type != OpType.Barrier for q in cmd.qubits}
        keep = set(keep)
        active = [q for i, q in enumerate(all_qubits) if q in used or i in keep]
        self.positions = {all_qubits.index(q): k for k, q in enumerate(active)}
        """circuit.qubits position -> simulated qubit."""
        c = Circuit()
        for q in active:
            c.add_qubit(q)
        for cmd in circuit.get_commands():
            if cmd.op.type == OpType.Barrier:
                continue
            c.add_gate(cmd.op, list(cmd.qubits))
        c = _prepare(c)
        self.circuit = c
        self.n = c.n_qubits
        self.device = [device_index(q) for q in c.qubits]
        self.symbols = sorted(str(s) for s in c.free_symbols())
        index = {s: j for j, s in enumerate(self.symbols)}
        self.program = Program.build(c, {}, index, fuse=False)
        qpos = {q: i for i, q in enumerate(c.qubits)}
        cmds = [cmd for cmd in c.get_commands() if cmd.op.type != OpType.Barrier]
        assert len(cmds) == len(self.program.code)
        self.gates = []
        for cmd, row in zip(cmds, self.program.code):
            qs = tuple(qpos[q] for q in cmd.qubits)
            self.gates.append(Gate(int(row[0]), qs, int(row[3]), cmd.op.type.name,
                                   tuple(self.device[q] for q in qs)))

    def matrices(self, X: np.ndarray):
        """(mats1 (n1, B, 2, 2), mats2 (n2, B, 4, 4)) for a (B, n_symbols) matrix of values."""
        if not self.program.n1 and not self.program.n2:
            return np.zeros((0, X.shape[0], 2, 2), complex), np.zeros((0, X.shape[0], 4, 4), complex)
        mats1, mats2, _ = self.program.matrices(np.zeros(0), X)
        return mats1, mats2

    def values(self, bindings, batch: int | None = None) -> np.ndarray:
        """(B, n_symbols) from a mapping symbol -> scalar or (B,) array."""
        return bind(self.symbols, bindings, batch)

    @property
    def gate_matrices_fixed(self) -> tuple[int, int]:
        return KIND_M1, KIND_M2


def bind(symbols: list[str], bindings, batch: int | None = None) -> np.ndarray:
    """The (B, len(symbols)) value matrix of a bindings mapping (keys: names or sympy Symbols)."""
    given = {str(k): v for k, v in (bindings or {}).items()}
    missing = [s for s in symbols if s not in given]
    if missing:
        raise ConfigError(f"no value for symbol{'s' if len(missing) > 1 else ''} "
                          f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
                          hint="bindings map every free symbol of the circuit to a number or a (batch,) array")
    cols = [np.asarray(given[s], dtype=float) for s in symbols]
    sizes = {c.shape[0] for c in cols if c.ndim == 1}
    if any(c.ndim > 1 for c in cols) or len(sizes) > 1:
        raise ShapeError("bindings must be scalars or (batch,) arrays of one batch size, got shapes "
                         + ", ".join(str(list(c.shape)) for c in cols[:6]))
    b = sizes.pop() if sizes else (batch or 1)
    if batch is not None and b != batch:
        raise ShapeError(f"bindings have batch {b}, expected {batch}")
    X = np.empty((b, len(symbols)))
    for j, c in enumerate(cols):
        X[:, j] = c
    if not np.all(np.isfinite(X)):
        raise ShapeError("bindings contain NaN or infinite values")
    return X


def _prepare(circuit: Circuit) -> Circuit:
    """Gates the runtime's plans have no form for (three-qubit gates, symbolic CU3 ...) become CX
    and rotations first; noise then follows the gates that remain."""
    odd = any(len(cmd.qubits) > 2 or (len(cmd.qubits) == 2 and cmd.op.free_symbols()
                                       and cmd.op.type not in _TWO_QUBIT_PARAM)
              for cmd in circuit.get_commands())
    if not odd:
        return circuit
    c = circuit.copy()
    AutoRebase({OpType.CX, OpType.Rx, OpType.Ry, OpType.Rz}).apply(c)
    return c


def symbol_names(circuit: Circuit) -> list[str]:
    return sorted(str(s) for s in circuit.free_symbols())


def as_symbol(name) -> sympy.Symbol:
    return name if isinstance(name, sympy.Symbol) else sympy.Symbol(str(name))
