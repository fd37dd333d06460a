"""The intermediate graph as text (for people), JSON (loads back to an equal graph, circuits
included) and Graphviz DOT (for pictures)."""

from __future__ import annotations

import json

import networkx as nx

from ..diagnostics import QmlError
from ..frontend.model import Expval, InitSpec, ParamSpec, PauliString, Probs, Samples
from .graph import args, ordered
from .nodes import (Activation, Concat, Constant, Dense, Input, Output, QuantumBlock, Scale,
                    Slice, SymbolRef)

FORMAT = "qml-ir"
VERSION = 1


# ---- text ---------------------------------------------------------------------------------------

def readout_text(r) -> str:
    if isinstance(r, Expval):
        terms = []
        for t in r.terms:
            body = "*".join(f"{p}{q}" for q, p in t.ops) or "I"
            terms.append(body if t.coeff == 1 else f"{t.coeff:g}*{body}")
        return f"<{' + '.join(terms)}>"
    if isinstance(r, Probs):
        return f"probs{list(r.qubits)}"
    return f"samples{list(r.qubits)} x{r.shots}"


def op_text(o) -> str:
    if isinstance(o, Input):
        return f"input [{o.width}]"
    if isinstance(o, Output):
        return f"output {o.name} [{o.width}]"
    if isinstance(o, Dense):
        return f"dense {o.layer} {o.in_width}->{o.width}{'' if o.bias else ' no-bias'}"
    if isinstance(o, Activation):
        return f"{o.function} [{o.width}]"
    if isinstance(o, Scale):
        return f"scale {o.factor:g} [{o.width}]"
    if isinstance(o, Concat):
        return f"concat [{o.width}]"
    if isinstance(o, Slice):
        return f"slice {o.start}:{o.stop}"
    if isinstance(o, Constant):
        return f"constant [{', '.join(f'{v:.6g}' for v in o.values)}]"
    if isinstance(o, QuantumBlock):
        c = o.circuit
        n_params = len({(s.block, s.name, s.index) for s in o.symbols if s.kind == "param"} - set(o.dropped))
        what = "state" if o.state else ", ".join(readout_text(r) for r in o.readouts)
        extra = f" gradient={o.gradient}" if o.gradient else ""
        start = " from-state" if o.from_state else ""
        return (f"quantum {o.name}{start} {o.n_qubits}q {c.n_gates} gates ({c.n_2qb_gates()} 2q) "
                f"depth {c.depth()} {n_params} params{extra} -> {what}")
    return repr(o)


def to_text(g: nx.DiGraph, circuits: bool = False) -> str:
    lines = [f"model {g.graph.get('model')} ({g.graph.get('file')})"]
    for n in ordered(g):
        o = g.nodes[n]["op"]
        a = ", ".join(args(g, n))
        lines.append(f"  {n} = {op_text(o)}" + (f" ({a})" if a else ""))
        if isinstance(o, QuantumBlock):
            if o.dropped:
                lines.append(f"      dropped: {', '.join(f'{b}.{p}[{i}]' for b, p, i in o.dropped)}")
            if list(o.qubits) != list(range(o.n_qubits)):
                lines.append(f"      qubits: {list(o.qubits)}")
            if circuits:
                for cmd in o.circuit.get_commands():
                    lines.append(f"      {cmd}")
    return "\n".join(lines) + "\n"


# ---- DOT ----------------------------------------------------------------------------------------

def to_dot(g: nx.DiGraph) -> str:
    def q(s):
        return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {q(g.graph.get('model', 'model'))} {{", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    shapes = {"input": "invhouse", "output": "house", "quantum": "box3d", "constant": "note"}
    for n in ordered(g):
        o = g.nodes[n]["op"]
        style = ', style=filled, fillcolor="#dde8ff"' if isinstance(o, QuantumBlock) else ""
        label = q(n)[:-1] + "\\n" + q(op_text(o))[1:]  # two lines: the name, then the operation
        lines.append(f"  {q(n)} [label={label}, shape={shapes.get(o.kind, 'box')}{style}];")
    for u, v, d in g.edges(data=True):
        lines.append(f"  {q(u)} -> {q(v)} [label={q(d['width'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- JSON ---------------------------------------------------------------------------------------

def _readout_json(r) -> dict:
    if isinstance(r, Expval):
        return {"kind": "expval", "terms": [[t.coeff, [[q, p] for q, p in t.ops]] for t in r.terms]}
    if isinstance(r, Probs):
        return {"kind": "probs", "qubits": list(r.qubits)}
    return {"kind": "samples", "qubits": list(r.qubits), "shots": r.shots}


def _readout_from(d: dict):
    if d["kind"] == "expval":
        return Expval(tuple(PauliString(float(c), tuple((int(q), str(p)) for q, p in ops))
                            for c, ops in d["terms"]))
    if d["kind"] == "probs":
        return Probs(tuple(d["qubits"]))
    return Samples(tuple(d["qubits"]), int(d["shots"]))


def _op_json(o) -> dict:
    if isinstance(o, QuantumBlock):
        return {"kind": "quantum", "name": o.name, "circuit": o.circuit.to_dict(),
                "inputs": [list(i) for i in o.inputs],
                "params": [{"block": b, "name": p.name, "shape": list(p.shape),
                            "init": [p.init.kind, list(p.init.args)]} for b, p in o.params],
                "symbols": [_sym(s) for s in o.symbols],
                "readouts": [_readout_json(r) for r in o.readouts], "qubits": list(o.qubits),
                "state": o.state, "from_state": o.from_state, "gradient": o.gradient,
                "dropped": [list(d) for d in o.dropped],
                **({"target": o.target, "layout": [list(x) for x in o.layout]} if o.target else {})}
    if isinstance(o, Dense):
        return {"kind": "dense", "layer": o.layer, "in_width": o.in_width, "width": o.width,
                "bias": o.bias, "init": [o.init.kind, list(o.init.args)]}
    if isinstance(o, Constant):
        return {"kind": "constant", "values": list(o.values)}
    d = {"kind": o.kind}
    d.update({k: getattr(o, k) for k in o.__dataclass_fields__})
    return d


def _sym(s: SymbolRef) -> dict:
    return {k: getattr(s, k) for k in s.__dataclass_fields__}


def _op_from(d: dict):
    from pytket import Circuit

    kind = d["kind"]
    if kind == "quantum":
        return QuantumBlock(
            d["name"], Circuit.from_dict(d["circuit"]), tuple((n, int(w)) for n, w in d["inputs"]),
            tuple((p["block"], ParamSpec(p["name"], tuple(p["shape"]),
                                         InitSpec(p["init"][0], tuple(p["init"][1])))) for p in d["params"]),
            tuple(SymbolRef(**s) for s in d["symbols"]), tuple(_readout_from(r) for r in d["readouts"]),
            tuple(d["qubits"]), d["state"], d["from_state"], d["gradient"],
            tuple(tuple(x) for x in d["dropped"]), d.get("target"),
            tuple(tuple(x) for x in d.get("layout", ())))
    if kind == "dense":
        return Dense(d["layer"], d["in_width"], d["width"], d["bias"], InitSpec(d["init"][0], tuple(d["init"][1])))
    if kind == "constant":
        return Constant(tuple(float(v) for v in d["values"]))
    cls = {"input": Input, "output": Output, "activation": Activation, "scale": Scale,
           "concat": Concat, "slice": Slice}[kind]
    return cls(**{k: v for k, v in d.items() if k != "kind"})


def to_json(g: nx.DiGraph) -> str:
    doc = {"format": FORMAT, "version": VERSION, "model": g.graph.get("model"),
           "file": g.graph.get("file"), "train": g.graph.get("train", {}),
           "nodes": [dict(id=n, **_op_json(g.nodes[n]["op"])) for n in g.nodes],
           "edges": [{"from": u, "to": v, "port": d["port"], "width": d["width"]}
                     for u, v, d in g.edges(data=True)]}
    return json.dumps(doc, indent=1)


def from_json(text: str, source: str = "<json>") -> nx.DiGraph:
    """Load a graph written by `to_json`; anything else is a clear `QmlError`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise QmlError(f"{source} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise QmlError(f"{source} is not a qml_compiler IR file (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise QmlError(f"{source} has IR version {doc.get('version')}; this qml_compiler reads version {VERSION}")
    try:
        g = nx.DiGraph(model=doc["model"], file=doc["file"], train=doc.get("train", {}))
        for nd in doc["nodes"]:
            nd = dict(nd)
            g.add_node(nd.pop("id"), op=_op_from(nd))
        for e in doc["edges"]:
            g.add_edge(e["from"], e["to"], port=e["port"], width=e["width"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise QmlError(f"{source} is a damaged IR file: {type(e).__name__}: {e}") from None
    return g


def graphs_equal(a: nx.DiGraph, b: nx.DiGraph) -> bool:
    """Same nodes with equal operations, same edges with equal attributes, same model."""
    if a.graph.get("model") != b.graph.get("model") or set(a.nodes) != set(b.nodes):
        return False
    if any(a.nodes[n]["op"] != b.nodes[n]["op"] for n in a.nodes):
        return False
    return {(u, v, d["port"], d["width"]) for u, v, d in a.edges(data=True)} == {
        (u, v, d["port"], d["width"]) for u, v, d in b.edges(data=True)}
