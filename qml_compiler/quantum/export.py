"""A block's circuit for other tools: OpenQASM 2 (bound), pytket JSON (symbolic), Qiskit.

    values = block_bindings(block, cm.init_params(seed=0), {"x": [0.1, 0.2]})
    qasm = to_qasm(block.circuit, values)                # str, OpenQASM 2
    data = to_pytket_json(block.circuit)                 # dict; Circuit.from_dict(data) reads it
    qc = to_qiskit(block.circuit, symbol_labels(block))  # QuantumCircuit (extra `qiskit`)

Angles in a block are sympy expressions in half-turns of symbols that stand for values in
radians (a parameter element, a data-input element); `bindings` give those values by symbol name.

OpenQASM 2 has no symbols and `qelib1.inc` no gate for some of what pytket produces when it
compiles for hardware. `to_qasm` binds every symbol on a copy, unpacks boxes, and rebases only the
operations that pytket cannot write as OpenQASM 2 (PhasedX, NPhasedX, GPI, GPI2, AAMS,
PhaseGadget, TwinPhasedX, PhasedXX, Sycamore) into CX and TK1, which it writes as `u3`; every
other gate keeps its name (`rzz`, `rxx`, `ecr`, ... with a `gate` definition in the file where
`qelib1.inc` lacks one). OpenQASM 2 cannot hold a global phase, so the file equals the circuit up
to one.

`to_qiskit` is our own conversion, gate by gate, to the Qiskit gate of the same matrix, with angle
expressions rebuilt over Qiskit `Parameter`s and the global phase kept. It needs only `qiskit`;
pytket-qiskit's `tk_to_qiskit` would also do, but it brings qiskit-ibm-runtime, symengine and
about 200 MB with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import sympy
from pytket import Circuit, OpType
from pytket.passes import DecomposeBoxes, RebaseCustom

from ..diagnostics import QmlError, UnknownName
from .draw import require

__all__ = ["bind", "block_bindings", "from_pytket_json", "to_pytket_json", "to_qasm", "to_qiskit"]

# What pytket's OpenQASM 2 writer handles, checked gate by gate: the file read back by pytket and
# by Qiskit has the same unitary (tests/quantum/test_export.py repeats the check).
_QASM_WRITABLE = {
    OpType.X, OpType.Y, OpType.Z, OpType.H, OpType.S, OpType.Sdg, OpType.T, OpType.Tdg, OpType.V,
    OpType.Vdg, OpType.SX, OpType.SXdg, OpType.Rx, OpType.Ry, OpType.Rz, OpType.U1, OpType.U2,
    OpType.U3, OpType.TK1, OpType.TK2, OpType.CX, OpType.CY, OpType.CZ, OpType.CH, OpType.CV,
    OpType.CVdg, OpType.CSX, OpType.CSXdg, OpType.CS, OpType.CSdg, OpType.CRx, OpType.CRy,
    OpType.CRz, OpType.CU1, OpType.CU3, OpType.CCX, OpType.ECR, OpType.SWAP, OpType.CSWAP,
    OpType.noop, OpType.BRIDGE, OpType.ISWAP, OpType.PhasedISWAP, OpType.XXPhase, OpType.YYPhase,
    OpType.ZZPhase, OpType.XXPhase3, OpType.CnRx, OpType.CnRy, OpType.CnRz, OpType.CnX, OpType.CnY,
    OpType.CnZ, OpType.ZZMax, OpType.ESWAP, OpType.FSim, OpType.ISWAPMax,
    OpType.Measure, OpType.Reset, OpType.Barrier, OpType.Phase,
}


class UnboundSymbols(QmlError):
    """Symbols of a circuit that were given no value."""


def bind(circuit: Circuit, bindings: Mapping[str, float]) -> Circuit:
    """A copy of `circuit` with every symbol replaced by its value from `bindings` (by symbol
    name; values in radians, as the model's parameters and data are). Names the circuit does not
    use are ignored; a symbol without a value raises `UnboundSymbols` listing all of them."""
    used = circuit.free_symbols()
    missing = sorted(str(s) for s in used if str(s) not in bindings)
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise UnboundSymbols(f"{len(missing)} symbol(s) of circuit `{circuit.name or 'circuit'}` have "
                             f"no value: {shown}",
                             hint="bind every parameter and data-input element (block_bindings "
                                  "builds them from a parameter table and input values)")
    c = circuit.copy()
    if used:
        c.symbol_substitution({s: float(bindings[str(s)]) for s in used})
    return c


def block_bindings(block, params: Mapping[str, object],
                   inputs: Mapping[str, object] | None = None) -> dict[str, float]:
    """Symbol values for a `QuantumBlock` from a parameter table keyed `owner.name` (what
    `CompiledModel.init_params` and checkpoints hold) and, if given, the block's data inputs by
    name (one sample: a vector per input). Symbols whose value is not there are left out."""
    out: dict[str, float] = {}
    inputs = inputs or {}
    for s in block.symbols:
        if s.kind == "param":
            table = params.get(f"{s.block}.{s.name}")
        else:
            table = inputs.get(s.name)
        if table is None:
            continue
        flat = np.asarray(table, dtype=float).ravel()
        if s.index >= flat.size:
            raise UnknownName(f"`{s.block}.{s.name}` has {flat.size} element(s); the circuit uses "
                              f"element {s.index}")
        out[s.symbol] = float(flat[s.index])
    return out


def _rebase_for(circuit: Circuit, keep: set) -> Circuit:
    """Unpack boxes and rebase, into CX and TK1, only the operations outside `keep`."""
    c = circuit.copy()
    DecomposeBoxes().apply(c)
    if any(cmd.op.type not in keep for cmd in c.get_commands()):
        RebaseCustom(keep | {OpType.CX, OpType.TK1}, Circuit(2).CX(0, 1),
                     lambda a, b, g: Circuit(1).add_gate(OpType.TK1, [a, b, g], [0])).apply(c)
    return c


def to_qasm(circuit: Circuit, bindings: Mapping[str, float]) -> str:
    """OpenQASM 2 (header `qelib1.inc`) of the circuit with every symbol bound; equal to the
    circuit up to a global phase."""
    from pytket.qasm import circuit_to_qasm_str

    c = _rebase_for(bind(circuit, bindings), _QASM_WRITABLE)
    conditional = [cmd for cmd in c.get_commands() if cmd.op.type == OpType.Conditional]
    if conditional:
        raise QmlError("classically controlled operations are not exported to OpenQASM 2")
    return circuit_to_qasm_str(c, header="qelib1")


def to_pytket_json(circuit: Circuit) -> dict:
    """pytket's JSON form (a dict ready for `json.dump`), symbols kept; `from_pytket_json` or
    `Circuit.from_dict` reads it back."""
    return circuit.to_dict()


def from_pytket_json(data: dict) -> Circuit:
    return Circuit.from_dict(data)


# --- Qiskit ---------------------------------------------------------------------------------------

def _qiskit_gates(lib):
    """OpType -> (qiskit gate factory over radian angles, number of angles)."""
    pi = math.pi
    return {
        OpType.X: lambda: lib.XGate(), OpType.Y: lambda: lib.YGate(), OpType.Z: lambda: lib.ZGate(),
        OpType.H: lambda: lib.HGate(), OpType.S: lambda: lib.SGate(), OpType.Sdg: lambda: lib.SdgGate(),
        OpType.T: lambda: lib.TGate(), OpType.Tdg: lambda: lib.TdgGate(),
        OpType.SX: lambda: lib.SXGate(), OpType.SXdg: lambda: lib.SXdgGate(),
        OpType.V: lambda: lib.RXGate(pi / 2), OpType.Vdg: lambda: lib.RXGate(-pi / 2),
        OpType.Rx: lambda t: lib.RXGate(t), OpType.Ry: lambda t: lib.RYGate(t),
        OpType.Rz: lambda t: lib.RZGate(t), OpType.U1: lambda t: lib.PhaseGate(t),
        OpType.U2: lambda p, q: lib.UGate(pi / 2, p, q), OpType.U3: lambda a, b, c: lib.UGate(a, b, c),
        OpType.CX: lambda: lib.CXGate(), OpType.CY: lambda: lib.CYGate(), OpType.CZ: lambda: lib.CZGate(),
        OpType.CH: lambda: lib.CHGate(), OpType.CS: lambda: lib.CSGate(), OpType.CSdg: lambda: lib.CSdgGate(),
        OpType.CSX: lambda: lib.CSXGate(), OpType.CSXdg: lambda: lib.SXdgGate().control(1),
        OpType.CV: lambda: lib.CRXGate(pi / 2), OpType.CVdg: lambda: lib.CRXGate(-pi / 2),
        OpType.CRx: lambda t: lib.CRXGate(t), OpType.CRy: lambda t: lib.CRYGate(t),
        OpType.CRz: lambda t: lib.CRZGate(t), OpType.CU1: lambda t: lib.CPhaseGate(t),
        OpType.CU3: lambda a, b, c: lib.CUGate(a, b, c, 0.0),
        OpType.SWAP: lambda: lib.SwapGate(), OpType.CSWAP: lambda: lib.CSwapGate(),
        OpType.CCX: lambda: lib.CCXGate(), OpType.ECR: lambda: lib.ECRGate(),
        OpType.XXPhase: lambda t: lib.RXXGate(t), OpType.YYPhase: lambda t: lib.RYYGate(t),
        OpType.ZZPhase: lambda t: lib.RZZGate(t), OpType.ZZMax: lambda: lib.RZZGate(pi / 2),
    }


_QISKIT_OTHER = {OpType.TK1, OpType.PhasedX, OpType.CnX, OpType.Measure, OpType.Barrier,
                 OpType.Reset, OpType.Phase, OpType.noop}


class _ToQiskit:
    """sympy angle expressions (half-turns) to Qiskit radians over `Parameter`s."""

    def __init__(self, params: dict):
        self.params = params  # sympy symbol name -> qiskit Parameter

    def angle(self, half_turns):
        if not isinstance(half_turns, sympy.Expr) or not half_turns.free_symbols:
            return float(half_turns) * math.pi
        return self.expr(sympy.expand(half_turns * sympy.pi))

    def expr(self, e):
        if e.is_Symbol:
            return self.params[e.name]
        if e.is_number:
            return float(e)
        if e.is_Add:
            out = self.expr(e.args[0])
            for a in e.args[1:]:
                out = out + self.expr(a)
            return out
        if e.is_Mul:
            out = self.expr(e.args[0])
            for a in e.args[1:]:
                out = out * self.expr(a)
            return out
        if e.is_Pow:
            base, exp = self.expr(e.base), self.expr(e.exp)
            if exp == -1:
                return 1.0 / base
            return base ** exp
        funcs = {sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.asin: "arcsin",
                 sympy.acos: "arccos", sympy.atan: "arctan", sympy.exp: "exp", sympy.log: "log",
                 sympy.Abs: "abs"}
        if e.func in funcs and len(e.args) == 1:
            return getattr(self.expr(e.args[0]), funcs[e.func])()
        raise QmlError(f"the angle `{e}` uses `{e.func.__name__}`, which Qiskit parameter "
                       "expressions cannot express", hint="bind the parameters first (to_qasm), "
                       "or use pytket JSON, which keeps any expression")


def _parameter_names(symbols: list[str], labels: Mapping[str, str] | None) -> dict[str, str]:
    """A distinct, non-empty Qiskit parameter name for each symbol: its label where given."""
    out, taken = {}, set()
    for s in sorted(symbols):
        name = (labels or {}).get(s) or s
        if name in taken:
            k = 2
            while f"{name}_{k}" in taken:
                k += 1
            name = f"{name}_{k}"
        taken.add(name)
        out[s] = name
    return out


def to_qiskit(circuit: Circuit, labels: Mapping[str, str] | None = None):
    """A Qiskit `QuantumCircuit` with the same unitary (global phase included) whose free
    parameters are Qiskit `Parameter`s named by `labels` (else by the symbol names). Qubit i of
    the result is `circuit.qubits[i]`; bits likewise. Needs the `qiskit` extra."""
    qiskit = require("qiskit", "qiskit", "exporting a circuit to Qiskit")
    from qiskit.circuit import Parameter, library

    gates = _qiskit_gates(library)
    c = _rebase_for(circuit, set(gates) | _QISKIT_OTHER)
    symbols = [str(s) for s in c.free_symbols()]
    names = _parameter_names(symbols, labels)
    conv = _ToQiskit({s: Parameter(names[s]) for s in symbols})
    qubits = {q: i for i, q in enumerate(c.qubits)}
    bits = {b: i for i, b in enumerate(c.bits)}
    qc = qiskit.QuantumCircuit(len(qubits), len(bits), name=circuit.name or "circuit")
    phase = conv.angle(c.phase)
    for cmd in c.get_commands():
        op, t = cmd.op, cmd.op.type
        qs = [qubits[q] for q in cmd.qubits]
        if t == OpType.Barrier:
            qc.barrier(*qs)
            continue
        if t == OpType.Conditional:
            raise QmlError("classically controlled operations are not exported to Qiskit")
        angles = [conv.angle(p) for p in op.params]
        if t in gates:
            qc.append(gates[t](*angles), qs)
        elif t == OpType.TK1:  # Rz(a) Rx(b) Rz(c) as matrices: Rz(c) acts first
            a, b, g = angles
            qc.rz(g, qs[0])
            qc.rx(b, qs[0])
            qc.rz(a, qs[0])
        elif t == OpType.PhasedX:  # Rz(b) Rx(a) Rz(-b)
            a, b = angles
            qc.rz(-b, qs[0])
            qc.rx(a, qs[0])
            qc.rz(b, qs[0])
        elif t == OpType.CnX:
            qc.append(library.XGate().control(len(qs) - 1), qs)
        elif t == OpType.Measure:
            qc.measure(qs[0], bits[cmd.bits[0]])
        elif t == OpType.Reset:
            qc.reset(qs[0])
        elif t == OpType.Phase:
            phase = phase + angles[0]
        elif t == OpType.noop:
            pass
        else:  # pragma: no cover - the rebase leaves nothing else
            raise QmlError(f"no Qiskit gate for pytket's {t.name}")
    qc.global_phase = phase
    return qc
