"""The syntax tree of a `.qml` file: frozen dataclasses, one per construct, each with its span.

Spans are excluded from equality (`field(compare=False)`), so two trees are equal when they say
the same thing, wherever it was written: `parse(print(tree)) == tree` is the printer's contract.
Nodes are plain data; checking, elaboration and lowering are done by functions that read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from ..diagnostics import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


# ---- expressions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: float | int
    span: Span = _span()


@dataclass(frozen=True)
class Var:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Str:
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * / % **
    left: "Expr"
    right: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class Neg:
    operand: "Expr"
    span: Span = _span()


@dataclass(frozen=True)
class Slice:
    start: "Expr | None"
    stop: "Expr | None"
    span: Span = _span()


@dataclass(frozen=True)
class Subscript:
    name: str
    indices: tuple["Expr | Slice", ...]
    span: Span = _span()


@dataclass(frozen=True)
class KwArg:
    name: str
    value: "Value"
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Value | KwArg", ...]
    span: Span = _span()

    @property
    def positional(self) -> tuple["Value", ...]:
        return tuple(a for a in self.args if not isinstance(a, KwArg))

    @property
    def keywords(self) -> dict[str, "KwArg"]:
        return {a.name: a for a in self.args if isinstance(a, KwArg)}


@dataclass(frozen=True)
class ListLit:
    items: tuple["Value", ...]
    is_tuple: bool = False
    span: Span = _span()


Expr = Union[Num, Var, BinOp, Neg, Subscript, Call]
Value = Union[Expr, ListLit, Str]


# ---- quantum statements -----------------------------------------------------------------------

@dataclass(frozen=True)
class QubitRef:
    register: str
    index: Expr | None  # None: the whole register (a gate then applies to each qubit)
    span: Span = _span()


@dataclass(frozen=True)
class ParamDecl:
    name: str
    shape: tuple[int, ...]
    init: Expr | None
    span: Span = _span()


@dataclass(frozen=True)
class GateStmt:
    """`name(args) qubits;` — a gate application, or a template when no qubits follow."""

    name: str
    args: tuple[Value | KwArg, ...]
    qubits: tuple[QubitRef, ...]
    has_parens: bool = False
    span: Span = _span()


@dataclass(frozen=True)
class Range:
    start: Expr
    stop: Expr | None
    step: Expr | None
    span: Span = _span()

    def bounds(self) -> tuple[Expr | None, Expr, Expr | None]:
        """(start, stop, step) with Python's `range` meaning of one argument."""
        if self.stop is None:
            return None, self.start, None
        return self.start, self.stop, self.step


@dataclass(frozen=True)
class For:
    var: str
    range: Range
    body: tuple["QStmt", ...]
    span: Span = _span()


@dataclass(frozen=True)
class Repeat:
    count: Expr
    var: str | None
    body: tuple["QStmt", ...]
    span: Span = _span()


@dataclass(frozen=True)
class PauliFactor:
    letter: str  # I X Y Z
    qubit: Expr
    span: Span = _span()


@dataclass(frozen=True)
class PauliTerm:
    coeff: float
    factors: tuple[PauliFactor, ...]  # empty: a multiple of the identity
    span: Span = _span()


@dataclass(frozen=True)
class Expval:
    terms: tuple[PauliTerm, ...]
    loop: tuple[str, Range] | None = None  # `expval(Z[i]) for i in range(4)`
    span: Span = _span()


@dataclass(frozen=True)
class Probs:
    qubits: tuple[QubitRef, ...]  # empty: every qubit of the block
    span: Span = _span()


@dataclass(frozen=True)
class Samples:
    qubits: tuple[QubitRef, ...]
    shots: Expr
    span: Span = _span()


ReadoutItem = Union[Expval, Probs, Samples]


@dataclass(frozen=True)
class Readout:
    items: tuple[ReadoutItem, ...]
    span: Span = _span()


QStmt = Union[ParamDecl, GateStmt, For, Repeat, Readout]


# ---- definitions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class GateDef:
    name: str
    params: tuple[str, ...]
    qubits: tuple[str, ...]
    body: tuple[QStmt, ...]
    span: Span = _span()


@dataclass(frozen=True)
class DataArg:
    name: str
    width: int
    span: Span = _span()


@dataclass(frozen=True)
class QuantumDef:
    name: str
    inputs: tuple[DataArg, ...]
    register: str
    n_qubits: int
    body: tuple[QStmt, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Port:
    """An `input` or `output` of a model."""

    kind: str  # "input" | "output"
    name: str
    width: int
    span: Span = _span()


@dataclass(frozen=True)
class LayerDecl:
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Assign:
    targets: tuple[str, ...]
    value: Expr
    span: Span = _span()


@dataclass(frozen=True)
class Forward:
    assigns: tuple[Assign, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Setting:
    key: str  # dotted: `optimizer`, `data.path`
    value: Value
    span: Span = _span()


@dataclass(frozen=True)
class Train:
    settings: tuple[Setting, ...]
    span: Span = _span()


ModelItem = Union[Port, LayerDecl, QuantumDef, Forward, Train]


@dataclass(frozen=True)
class ModelDef:
    name: str
    items: tuple[ModelItem, ...]
    span: Span = _span()

    def of(self, kind: type) -> list:
        return [i for i in self.items if isinstance(i, kind)]


@dataclass(frozen=True)
class Import:
    path: str
    span: Span = _span()


@dataclass(frozen=True)
class Include:
    path: str
    name: str
    span: Span = _span()


Item = Union[Import, Include, GateDef, QuantumDef, ModelDef]


@dataclass(frozen=True)
class Program:
    items: tuple[Item, ...]
    file: str = field(default="<string>", compare=False)
