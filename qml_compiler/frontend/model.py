"""What the front end hands on: checked, elaborated models as plain data.

The checker resolves every name, unrolls loops and repeats, inlines user gates, expands templates
and evaluates qubit indices, so a quantum block becomes a flat list of `GateOp`s whose angles are
small expression trees over numbers, `ParamRef`s (an element of a trainable parameter) and
`InputRef`s (an element of a data input). The classical part becomes a list of `Node`s in
evaluation order. Nothing here imports pytket or numpy: the IR stage turns angles into sympy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Union

from ..diagnostics import NO_SPAN, Span
from .ast import BinOp, Call, Neg, Num


@dataclass(frozen=True)
class ParamRef:
    """Element `index` (row-major, flat) of trainable parameter `name`."""

    name: str
    index: int


@dataclass(frozen=True)
class InputRef:
    """Element `index` of data input `name` of the block."""

    name: str
    index: int


Angle = Union[Num, ParamRef, InputRef, BinOp, Neg, Call]
"""An angle: a tree of `Num`, `ParamRef`, `InputRef`, `BinOp` (+ - * / % **), `Neg` and `Call`
of one of `FUNCTIONS`."""

FUNCTIONS = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "arcsin": math.asin, "arccos": math.acos,
    "arctan": math.atan, "arctan2": math.atan2, "sqrt": math.sqrt, "exp": math.exp,
    "log": math.log, "abs": abs, "floor": math.floor, "ceil": math.ceil,
}
"""Functions usable in angle expressions (radians), with their number of arguments below."""
FUNCTION_ARITY = {name: (2 if name == "arctan2" else 1) for name in FUNCTIONS}

CONSTANTS = {"pi": math.pi, "tau": math.tau, "e": math.e}


def num(v: float | int) -> Num:
    return Num(v)


def add(a: Angle, b: Angle) -> Angle:
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value + b.value)
    if isinstance(a, Num) and a.value == 0:
        return b
    if isinstance(b, Num) and b.value == 0:
        return a
    return BinOp("+", a, b)


def mul(a: Angle, b: Angle) -> Angle:
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value * b.value)
    if isinstance(a, Num) and a.value == 1:
        return b
    if isinstance(b, Num) and b.value == 1:
        return a
    return BinOp("*", a, b)


def neg(a: Angle) -> Angle:
    return Num(-a.value) if isinstance(a, Num) else Neg(a)


def angle_refs(a: Angle) -> set:
    """The `ParamRef`s and `InputRef`s an angle depends on."""
    out: set = set()
    stack = [a]
    while stack:
        x = stack.pop()
        if isinstance(x, (ParamRef, InputRef)):
            out.add(x)
        elif isinstance(x, BinOp):
            stack += [x.left, x.right]
        elif isinstance(x, Neg):
            stack.append(x.operand)
        elif isinstance(x, Call):
            stack += list(x.args)
    return out


def evaluate(a: Angle, params: dict, inputs: dict) -> float:
    """The value of an angle given flat sequences of parameter and input values (a reference
    evaluator for tests and for constant folding; the runtime compiles angles instead)."""
    if isinstance(a, Num):
        return a.value
    if isinstance(a, ParamRef):
        return params[a.name][a.index]
    if isinstance(a, InputRef):
        return inputs[a.name][a.index]
    if isinstance(a, Neg):
        return -evaluate(a.operand, params, inputs)
    if isinstance(a, BinOp):
        x, y = evaluate(a.left, params, inputs), evaluate(a.right, params, inputs)
        return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y,
                "%": lambda: x % y, "**": lambda: x ** y}[a.op]()
    if isinstance(a, Call):
        return FUNCTIONS[a.name](*(evaluate(v, params, inputs) for v in a.args))
    raise TypeError(f"not an angle: {a!r}")


# ---- quantum blocks ---------------------------------------------------------------------------

GATES: dict[str, tuple[int, int]] = {
    # name: (number of angles, number of qubits). Angles in radians, OpenQASM conventions.
    "h": (0, 1), "x": (0, 1), "y": (0, 1), "z": (0, 1), "s": (0, 1), "sdg": (0, 1),
    "t": (0, 1), "tdg": (0, 1), "sx": (0, 1), "sxdg": (0, 1),
    "rx": (1, 1), "ry": (1, 1), "rz": (1, 1), "p": (1, 1), "u3": (3, 1),
    "cx": (0, 2), "cy": (0, 2), "cz": (0, 2), "ch": (0, 2), "swap": (0, 2),
    "crx": (1, 2), "cry": (1, 2), "crz": (1, 2), "cp": (1, 2), "cu3": (3, 2),
    "rxx": (1, 2), "ryy": (1, 2), "rzz": (1, 2),
    "ccx": (0, 3), "cswap": (0, 3),
}
"""The primitive gates every block is elaborated into."""

GATE_ALIASES = {"u": "u3", "u1": "p", "cu1": "cp", "cnot": "cx", "toffoli": "ccx", "fredkin": "cswap"}
"""Other spellings accepted in `.qml` (and `u2(φ, λ)` = `u3(π/2, φ, λ)`, `id` = nothing)."""


@dataclass(frozen=True)
class GateOp:
    name: str  # a key of GATES
    qubits: tuple[int, ...]
    angles: tuple[Angle, ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True)
class InitSpec:
    """How a parameter starts: `uniform(lo, hi)`, `normal(mean, std)`, `constant(v)`, `zeros`."""

    kind: str
    args: tuple[float, ...] = ()


@dataclass(frozen=True)
class ParamSpec:
    name: str
    shape: tuple[int, ...]
    init: InitSpec
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class PauliString:
    """coeff · P_q0 ⊗ P_q1 ⊗ ..., as ((qubit, letter), ...) sorted by qubit, identities omitted."""

    coeff: float
    ops: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Expval:
    terms: tuple[PauliString, ...]
    width = 1


@dataclass(frozen=True)
class Probs:
    qubits: tuple[int, ...]

    @property
    def width(self) -> int:
        return 2 ** len(self.qubits)


@dataclass(frozen=True)
class Samples:
    """Empirical frequencies of the 2**k outcomes from `shots` measurements."""

    qubits: tuple[int, ...]
    shots: int

    @property
    def width(self) -> int:
        return 2 ** len(self.qubits)


ReadoutSpec = Union[Expval, Probs, Samples]


@dataclass(frozen=True)
class BlockSpec:
    """A quantum block, elaborated: the gates it applies and what it reads out."""

    name: str
    n_qubits: int
    inputs: tuple[tuple[str, int], ...]  # (name, width) of each data input, in call order
    params: tuple[ParamSpec, ...]
    ops: tuple[GateOp, ...]
    readouts: tuple[ReadoutSpec, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def out_width(self) -> int:
        return sum(r.width for r in self.readouts)

    @property
    def is_state(self) -> bool:
        """A block without readout gives a quantum state, which only another block can take."""
        return not self.readouts

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params)


# ---- classical layers and the wiring ----------------------------------------------------------

@dataclass(frozen=True)
class DenseSpec:
    name: str
    in_width: int
    out_width: int
    bias: bool
    init: InitSpec
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def n_params(self) -> int:
        return self.in_width * self.out_width + (self.out_width if self.bias else 0)


ACTIVATIONS = ("relu", "tanh", "sigmoid", "softmax", "identity")


@dataclass(frozen=True)
class Node:
    """One value of the forward computation.

    op is one of: `input`, `dense` (attrs: layer), `quantum` (attrs: block; state, true when
    the block has no readout and the value is its quantum state; from_state, true when the first
    argument is such a state to start from), `activation` (attrs: kind), `scale` (attrs:
    factor), `concat`, `slice` (attrs: start, stop).
    """

    name: str
    op: str
    args: tuple[str, ...]
    width: int
    attrs: tuple[tuple[str, object], ...] = ()
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def attr(self, key: str):
        return dict(self.attrs)[key]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    file: str
    inputs: tuple[tuple[str, int], ...]
    outputs: tuple[tuple[str, int], ...]
    layers: tuple[DenseSpec, ...]
    blocks: tuple[BlockSpec, ...]
    nodes: tuple[Node, ...]  # in evaluation order; inputs first
    output_nodes: tuple[str, ...]  # the node that gives each output
    train: tuple[tuple[str, object], ...]  # resolved `train` settings, dotted keys
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    @property
    def n_qubits(self) -> int:
        return max((b.n_qubits for b in self.blocks), default=0)

    @property
    def n_params(self) -> int:
        return sum(b.n_params for b in self.blocks) + sum(d.n_params for d in self.layers)

    def summary(self) -> str:
        ins = ", ".join(f"{n}[{w}]" for n, w in self.inputs)
        outs = ", ".join(f"{n}[{w}]" for n, w in self.outputs)
        nb = len(self.blocks)
        q = (f"{self.n_qubits} qubit{'s' if self.n_qubits != 1 else ''} in {nb} block"
             f"{'s' if nb != 1 else ''}" if nb
             else "no quantum blocks")
        return f"{self.name}: inputs {ins}; outputs {outs}; {q}; {self.n_params} trainable parameters"
