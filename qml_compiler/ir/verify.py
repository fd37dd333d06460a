"""The invariants every intermediate graph keeps, checked after lowering and, on request, after
every pass. A violation is a bug in a pass (ours or a user's), so it names the pass."""

from __future__ import annotations

import networkx as nx

from ..diagnostics import QmlError
from .circuits import circuit_symbols
from .graph import args
from .nodes import (Activation, Concat, Constant, Dense, Input, Output, QuantumBlock, Scale,
                    Slice)


class IRVerificationError(QmlError):
    """The graph breaks an invariant; `after` names the pass that left it so."""

    def __init__(self, message: str, after: str | None = None):
        where = f" after pass `{after}`" if after else ""
        super().__init__(f"invalid IR{where}: {message}")
        self.after = after


def verify(g: nx.DiGraph, after: str | None = None) -> None:
    """Raise `IRVerificationError` at the first broken invariant."""

    def fail(msg):
        raise IRVerificationError(msg, after)

    if not nx.is_directed_acyclic_graph(g):
        fail(f"the graph has a cycle: {nx.find_cycle(g)}")
    for n, data in g.nodes(data=True):
        if "op" not in data:
            fail(f"node `{n}` has no operation")
        o = data["op"]
        ins = args(g, n)
        ports = sorted(g.edges[u, n]["port"] for u in ins)
        if ports != list(range(len(ins))):
            fail(f"node `{n}` has argument ports {ports}, expected 0..{len(ins) - 1}")
        for u in ins:
            w = g.edges[u, n].get("width")
            if w != g.nodes[u]["op"].width:
                fail(f"edge `{u}` -> `{n}` says width {w} but `{u}` gives {g.nodes[u]['op'].width}")
        widths = [g.nodes[u]["op"].width for u in ins]
        need = {Input: 0, Constant: 0, Output: 1, Dense: 1, Activation: 1, Scale: 1, Slice: 1}
        if type(o) in need and len(ins) != need[type(o)]:
            fail(f"`{n}` ({o.kind}) takes {need[type(o)]} argument(s), has {len(ins)}")
        if isinstance(o, Output) and widths[0] != o.width:
            fail(f"output `{o.name}` has width {o.width} but receives {widths[0]}")
        if isinstance(o, Dense) and widths[0] != o.in_width:
            fail(f"dense `{n}` takes width {o.in_width} but receives {widths[0]}")
        if isinstance(o, (Activation, Scale)) and widths[0] != o.width:
            fail(f"`{n}` has width {o.width} but receives {widths[0]}")
        if isinstance(o, Slice) and not 0 <= o.start < o.stop <= widths[0]:
            fail(f"slice `{n}` [{o.start}:{o.stop}] is out of range for width {widths[0]}")
        if isinstance(o, Concat) and (len(ins) < 1 or sum(widths) != o.width):
            fail(f"concat `{n}` has width {o.width} but its arguments add up to {sum(widths)}")
        if isinstance(o, QuantumBlock):
            _verify_block(n, o, g, ins, widths, fail)
        for u in ins:
            uo = g.nodes[u]["op"]
            if isinstance(uo, QuantumBlock) and uo.state and not (
                    isinstance(o, QuantumBlock) and o.from_state and args(g, n)[0] == u):
                fail(f"the quantum state of `{u}` feeds `{n}`, which is not a block starting from it")
    for n in g.nodes:
        if g.out_degree(n) == 0 and not isinstance(g.nodes[n]["op"], Output):
            pass  # dead values are allowed; dead-node elimination removes them


def _verify_block(n, o: QuantumBlock, g, ins, widths, fail):
    data = ins[1:] if o.from_state else ins
    if len(data) != len(o.inputs):
        fail(f"block `{n}` declares {len(o.inputs)} data input(s) but has {len(data)}")
    for w, (name, width) in zip(widths[1:] if o.from_state else widths, o.inputs):
        if w != width:
            fail(f"block `{n}` input `{name}` has width {width} but receives {w}")
    if o.from_state:
        src = g.nodes[ins[0]]["op"]
        if not (isinstance(src, QuantumBlock) and src.state):
            fail(f"block `{n}` starts from `{ins[0]}`, which is not a quantum state")
        elif src.n_qubits != o.n_qubits:
            fail(f"block `{n}` has {o.n_qubits} qubits but starts from a state of {src.n_qubits}")
    known = {s.symbol for s in o.symbols}
    unbound = circuit_symbols(o.circuit) - known
    if unbound:
        fail(f"block `{n}` uses symbols bound to no parameter or input: {sorted(unbound)}")
    n_ports = len(ins)
    for s in o.symbols:
        if s.kind == "input" and not (0 <= s.port < n_ports):
            fail(f"block `{n}` symbol `{s.symbol}` reads argument {s.port}, which does not exist")
        if s.kind == "input" and s.index >= g.nodes[ins[s.port]]["op"].width:
            fail(f"block `{n}` symbol `{s.symbol}` reads element {s.index} of a width-"
                 f"{g.nodes[ins[s.port]]['op'].width} value")
    present = circuit_symbols(o.circuit)
    by_key = {(s.block, s.name, s.index): s.symbol for s in o.symbols if s.kind == "param"}
    for key in o.dropped:
        if by_key.get(key) in present:
            fail(f"block `{n}` marks {key[0]}.{key[1]}[{key[2]}] as dropped but its circuit still uses it")
    for r in o.readouts:
        listed = list(getattr(r, "qubits", ()))
        if len(set(listed)) != len(listed):
            fail(f"block `{n}` reads out a qubit twice in {listed}")
        qubits = [q for t in getattr(r, "terms", ()) for q, _ in t.ops] + listed
        for q in qubits:
            if not 0 <= q < o.n_qubits:
                fail(f"block `{n}` reads out qubit {q} of a {o.n_qubits}-qubit circuit")
    if len(o.qubits) != o.n_qubits:
        fail(f"block `{n}` maps {len(o.qubits)} qubits but its circuit has {o.n_qubits}")
    if o.state and o.readouts:
        fail(f"block `{n}` is a state but has readouts")
