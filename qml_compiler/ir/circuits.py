"""Elaborated gate lists to pytket circuits with sympy symbols, and back to numbers.

Angles in `.qml` are radians; pytket's are half-turns, so every angle is divided by pi here. A
trainable parameter element becomes the symbol `{block}__{param}__{i}` and a data-input element
`{block}__in__{input}__{i}` (pytket's serialiser takes only letters, digits and underscores).
"""

from __future__ import annotations

import math

import sympy
from pytket import Circuit, OpType

from ..frontend import ast as A
from ..frontend.model import BlockSpec, InputRef, ParamRef
from .nodes import SymbolRef

PYTKET_GATES = {
    "h": OpType.H, "x": OpType.X, "y": OpType.Y, "z": OpType.Z, "s": OpType.S, "sdg": OpType.Sdg,
    "t": OpType.T, "tdg": OpType.Tdg, "sx": OpType.SX, "sxdg": OpType.SXdg,
    "rx": OpType.Rx, "ry": OpType.Ry, "rz": OpType.Rz, "p": OpType.U1, "u3": OpType.U3,
    "cx": OpType.CX, "cy": OpType.CY, "cz": OpType.CZ, "ch": OpType.CH, "swap": OpType.SWAP,
    "crx": OpType.CRx, "cry": OpType.CRy, "crz": OpType.CRz, "cp": OpType.CU1, "cu3": OpType.CU3,
    "rxx": OpType.XXPhase, "ryy": OpType.YYPhase, "rzz": OpType.ZZPhase,
    "ccx": OpType.CCX, "cswap": OpType.CSWAP,
}
"""Our primitive gates and pytket's equivalents (same matrices, angles in half-turns)."""

_SYMPY_FUNCS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "arcsin": sympy.asin,
    "arccos": sympy.acos, "arctan": sympy.atan, "arctan2": sympy.atan2, "sqrt": sympy.sqrt,
    "exp": sympy.exp, "log": sympy.log, "abs": sympy.Abs, "floor": sympy.floor, "ceiling": sympy.ceiling,
    "ceil": sympy.ceiling,
}


def param_symbol(block: str, param: str, index: int) -> str:
    return f"{block}__{param}__{index}"


def input_symbol(block: str, name: str, index: int) -> str:
    return f"{block}__in__{name}__{index}"


def to_sympy(a, block: str, used: dict[str, SymbolRef], input_ports: dict[str, int]):
    """An elaborated angle (radians) as a sympy expression; records the symbols it uses."""
    if isinstance(a, A.Num):
        return sympy.Float(a.value) if isinstance(a.value, float) else sympy.Integer(a.value)
    if isinstance(a, ParamRef):
        name = param_symbol(block, a.name, a.index)
        used.setdefault(name, SymbolRef(name, "param", block, a.name, a.index))
        return sympy.Symbol(name)
    if isinstance(a, InputRef):
        name = input_symbol(block, a.name, a.index)
        used.setdefault(name, SymbolRef(name, "input", block, a.name, a.index, input_ports[a.name]))
        return sympy.Symbol(name)
    if isinstance(a, A.Neg):
        return -to_sympy(a.operand, block, used, input_ports)
    if isinstance(a, A.BinOp):
        x = to_sympy(a.left, block, used, input_ports)
        y = to_sympy(a.right, block, used, input_ports)
        return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y,
                "%": lambda: sympy.Mod(x, y), "**": lambda: x ** y}[a.op]()
    if isinstance(a, A.Call):
        return _SYMPY_FUNCS[a.name](*(to_sympy(v, block, used, input_ports) for v in a.args))
    raise TypeError(f"not an angle: {a!r}")


def half_turns(expr):
    """Radians to pytket's half-turns; plain floats where the angle is a number."""
    if isinstance(expr, (int, float)):
        return expr / math.pi
    if not expr.free_symbols:
        return float(expr) / math.pi
    return expr / sympy.pi


def block_circuit(spec: BlockSpec, first_port: int = 0) -> tuple[Circuit, tuple[SymbolRef, ...]]:
    """The logical circuit of an elaborated block and the symbols it uses, in a stable order.
    `first_port` is the argument index of the block's first data input (1 when the block
    starts from another block's state)."""
    ports = {name: first_port + k for k, (name, _) in enumerate(spec.inputs)}
    used: dict[str, SymbolRef] = {}
    circ = Circuit(spec.n_qubits, name=spec.name)
    for op in spec.ops:
        angles = [half_turns(to_sympy(a, spec.name, used, ports)) for a in op.angles]
        for angle in angles:
            _check_representable(angle, op)
        circ.add_gate(PYTKET_GATES[op.name], angles, list(op.qubits))
    # Parameters that no gate uses are still the block's: give them symbols too, so that
    # every declared element is accounted for (passes report them as dropped).
    for p in spec.params:
        for i in range(p.size):
            name = param_symbol(spec.name, p.name, i)
            used.setdefault(name, SymbolRef(name, "param", spec.name, p.name, i))
    order = {("param", p.name): k for k, p in enumerate(spec.params)}
    order.update({("input", n): len(spec.params) + k for k, (n, _) in enumerate(spec.inputs)})
    symbols = sorted(used.values(), key=lambda s: (order[(s.kind, s.name)], s.index))
    return circ, tuple(symbols)


_STEPS = {sympy.floor: "floor", sympy.ceiling: "ceil", sympy.Mod: "%"}


def _check_representable(angle, op) -> None:
    """floor, ceil and % of a parameter or data input are steps: no derivative to train with,
    and pytket cannot carry them as symbolic angles (it aborts the process). Refuse them here,
    at the gate, rather than lose the user's run."""
    if isinstance(angle, (int, float)) or not angle.free_symbols:
        return
    for kind, name in _STEPS.items():
        if angle.has(kind):
            from ..diagnostics import TypeMismatch
            what = f"`{name}`" if name != "%" else "`%` (remainder)"
            raise TypeMismatch(f"{what} of a parameter or data input cannot be a gate angle", op.span,
                               hint="it is a step function (no gradient to train with); apply it to "
                                    "constants only, or compute it before the data reaches the model")


def circuit_symbols(circ: Circuit) -> set[str]:
    return {str(s) for s in circ.free_symbols()}
