"""The operations of the intermediate graph: plain, immutable data, one class per kind.

What a node *is* lives here; what passes *do* to nodes lives in `qml_compiler.passes`. A graph
(`networkx.DiGraph`) stores each node's operation under the attribute `op`; an edge u -> v
carries `width` (of u's value) and `port` (which argument of v it is).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..frontend.model import InitSpec, ParamSpec, ReadoutSpec


@dataclass(frozen=True)
class Input:
    name: str
    width: int
    kind = "input"


@dataclass(frozen=True)
class Output:
    name: str
    width: int
    kind = "output"


@dataclass(frozen=True)
class Dense:
    """y = W x (+ b), W of shape (out, in); its parameters are `{layer}.weight` and `.bias`."""

    layer: str
    in_width: int
    width: int
    bias: bool
    init: InitSpec
    kind = "dense"

    @property
    def n_params(self) -> int:
        return self.in_width * self.width + (self.width if self.bias else 0)


@dataclass(frozen=True)
class Activation:
    function: str  # relu, tanh, sigmoid, softmax, identity
    width: int
    kind = "activation"


@dataclass(frozen=True)
class Scale:
    factor: float
    width: int
    kind = "scale"


@dataclass(frozen=True)
class Concat:
    width: int
    kind = "concat"


@dataclass(frozen=True)
class Slice:
    start: int
    stop: int
    kind = "slice"

    @property
    def width(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Constant:
    """A value known at compile time (from constant folding)."""

    values: tuple[float, ...]
    kind = "constant"

    @property
    def width(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class SymbolRef:
    """What a circuit symbol stands for: element `index` of parameter `param` of block `block`
    (a trainable parameter), or element `index` of the data input on argument `port`."""

    symbol: str
    kind: str  # "param" | "input"
    block: str  # the block that declared it
    name: str  # parameter or data-input name
    index: int
    port: int = -1  # for inputs: which argument of the node carries it


@dataclass(frozen=True, eq=False)
class QuantumBlock:
    """A parameterised circuit with its readouts.

    `circuit` is a pytket `Circuit` whose angles (in half-turns, as pytket wants) are sympy
    expressions of the symbols in `symbols`. `params` declares the trainable parameters it uses,
    as (owning block, declaration) pairs: a block called twice shares its parameters, and a
    block fused from several keeps each one's own. `state` means the block has no readout and its
    value is its quantum state; `from_state` means argument 0 is such a state to start from.
    `dropped` lists the parameter elements that passes proved cannot influence the output.
    `qubits` maps each circuit qubit to the qubit of the block as written (passes may remove
    idle qubits); once compiled for a `target`, circuit qubits are the target's physical qubits
    that the block uses, `qubits` holds their numbers, and `layout` says where each logical
    qubit starts and ends (readouts already point at where it ends).
    """

    name: str
    circuit: object  # pytket.Circuit
    inputs: tuple[tuple[str, int], ...]
    params: tuple[tuple[str, ParamSpec], ...]
    symbols: tuple[SymbolRef, ...]
    readouts: tuple[ReadoutSpec, ...]
    qubits: tuple[int, ...]
    state: bool = False
    from_state: bool = False
    gradient: str | None = None
    dropped: tuple[tuple[str, str, int], ...] = ()  # (block, param, index)
    target: str | None = None  # set once compiled for a target: its circuit is then native
    layout: tuple[tuple[int, int, int], ...] = ()  # (logical qubit, physical start, physical end)
    kind = "quantum"

    @property
    def n_qubits(self) -> int:
        return self.circuit.n_qubits

    @property
    def width(self) -> int:
        return self.n_qubits if self.state else sum(r.width for r in self.readouts)

    def with_(self, **changes) -> "QuantumBlock":
        return replace(self, **changes)

    def __eq__(self, other) -> bool:
        if not isinstance(other, QuantumBlock):
            return NotImplemented
        fields = ("name", "inputs", "params", "symbols", "readouts", "qubits", "state",
                  "from_state", "gradient", "dropped", "target", "layout")
        return (all(getattr(self, f) == getattr(other, f) for f in fields)
                and self.circuit == other.circuit)

    __hash__ = None  # mutable pytket circuit inside: not hashable


Op = Input | Output | Dense | Activation | Scale | Concat | Slice | Constant | QuantumBlock

KINDS = {c.kind: c for c in (Input, Output, Dense, Activation, Scale, Concat, Slice, Constant,
                             QuantumBlock)}
