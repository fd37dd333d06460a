"""Lowering a checked model to the intermediate graph, and small helpers over that graph.

The graph is a `networkx.DiGraph`: node ids are the forward section's value names (`x`, `h`,
`%3`) plus `out.NAME` for each output; each node's `op` attribute is an operation from `nodes`;
edges carry `width` and `port`. Graph attributes: `model`, `file`, `train` (the resolved train
settings) and `layers` (dense layer name -> `Dense`, shared by every call of the layer).
"""

from __future__ import annotations

import networkx as nx

from ..frontend.model import ModelSpec
from .circuits import block_circuit
from .nodes import Activation, Concat, Dense, Input, Output, QuantumBlock, Scale, Slice


def lower(model: ModelSpec) -> nx.DiGraph:
    """The intermediate graph of a checked model (a new graph; the model is not changed)."""
    g = nx.DiGraph(model=model.name, file=model.file, train=dict(model.train))
    layers = {d.name: d for d in model.layers}
    blocks = {b.name: b for b in model.blocks}
    for node in model.nodes:
        attrs = dict(node.attrs)
        if node.op == "input":
            op = Input(node.name, node.width)
        elif node.op == "dense":
            d = layers[attrs["layer"]]
            op = Dense(d.name, d.in_width, d.out_width, d.bias, d.init)
        elif node.op == "activation":
            op = Activation(attrs["kind"], node.width)
        elif node.op == "scale":
            op = Scale(float(attrs["factor"]), node.width)
        elif node.op == "concat":
            op = Concat(node.width)
        elif node.op == "slice":
            op = Slice(attrs["start"], attrs["stop"])
        elif node.op == "quantum":
            spec = blocks[attrs["block"]]
            from_state = bool(attrs.get("from_state"))
            circ, symbols = block_circuit(spec, first_port=1 if from_state else 0)
            op = QuantumBlock(spec.name, circ, spec.inputs, tuple((spec.name, p) for p in spec.params), symbols, spec.readouts,
                              tuple(range(spec.n_qubits)), state=bool(attrs.get("state")),
                              from_state=from_state)
        else:  # pragma: no cover - the checker produces no other kinds
            raise ValueError(f"unknown node kind {node.op!r}")
        g.add_node(node.name, op=op)
        for port, arg in enumerate(node.args):
            g.add_edge(arg, node.name, width=g.nodes[arg]["op"].width, port=port)
    for (name, width), source in zip(model.outputs, model.output_nodes):
        out = f"out.{name}"
        g.add_node(out, op=Output(name, width))
        g.add_edge(source, out, width=g.nodes[source]["op"].width, port=0)
    return g


def op(g: nx.DiGraph, n) -> object:
    return g.nodes[n]["op"]


def args(g: nx.DiGraph, n) -> list:
    """The nodes feeding `n`, in argument order."""
    return [u for u, _ in sorted(g.in_edges(n), key=lambda e: g.edges[e]["port"])]


def ordered(g: nx.DiGraph) -> list:
    """Nodes in a deterministic topological order (ties broken by insertion order)."""
    index = {n: i for i, n in enumerate(g.nodes)}
    return list(nx.lexicographical_topological_sort(g, key=lambda n: index[n]))


def copy(g: nx.DiGraph) -> nx.DiGraph:
    """A copy a pass may change without touching its input (ops are immutable; circuits are
    copied when a pass replaces them)."""
    h = nx.DiGraph(**{k: (dict(v) if isinstance(v, dict) else v) for k, v in g.graph.items()})
    for n, data in g.nodes(data=True):
        h.add_node(n, **data)
    for u, v, data in g.edges(data=True):
        h.add_edge(u, v, **data)
    return h


def blocks(g: nx.DiGraph) -> list[tuple[str, QuantumBlock]]:
    return [(n, d["op"]) for n, d in g.nodes(data=True) if isinstance(d["op"], QuantumBlock)]


def trainable(g: nx.DiGraph) -> dict[str, int]:
    """Trainable parameter elements that can still influence the output, by owner (a block or
    a dense layer). A block or layer called twice shares its parameters and counts once; an
    element dropped by a pass in one call but used in another still counts."""
    active: dict[str, set] = {}
    for _, b in blocks(g):
        dropped = set(b.dropped)
        for s in b.symbols:
            if s.kind == "param" and (s.block, s.name, s.index) not in dropped:
                active.setdefault(s.block, set()).add((s.name, s.index))
    out = {owner: len(elems) for owner, elems in active.items()}
    for _, d in g.nodes(data=True):
        if isinstance(d["op"], Dense):
            out[d["op"].layer] = d["op"].n_params
    return out


def stats(g: nx.DiGraph) -> dict[str, int]:
    """Sizes a pass report compares before and after."""
    bl = blocks(g)
    return {
        "nodes": g.number_of_nodes(),
        "blocks": len(bl),
        "qubits": sum(b.n_qubits for _, b in bl),
        "gates": sum(b.circuit.n_gates for _, b in bl),
        "two_qubit_gates": sum(b.circuit.n_2qb_gates() for _, b in bl),
        "params": sum(trainable(g).values()),
    }
