"""Compile every quantum block of a model's graph for a target.

Each block's circuit goes through `compile_circuit`; the graph gets a new `QuantumBlock` whose
circuit is the native one on the physical qubits it uses (renumbered 0..m-1, in the order of
their physical numbers), whose readouts point at the physical qubits where each logical qubit's
state ends, and whose `layout` records the placement. The runtime runs such a block like any
other, so a person trains exactly what the hardware would run.

    >>> graph2, compiled = compile_graph(graph, get_target("heavy-hex-27"))
    >>> compiled["circuit"].final_map
"""

from __future__ import annotations

import networkx as nx
from pytket import Circuit

from ..diagnostics import TargetError
from ..frontend.model import Expval, PauliString, Probs, Samples
from ..ir.nodes import QuantumBlock
from .compile import CompiledCircuit, compile_circuit
from .targets import get_target


def compile_graph(graph: nx.DiGraph, target, opt_level: int = 2, seed: int = 0, placement: str = "auto",
                  user_passes=(), verify: bool = False, fixed: dict[str, dict[int, int]] | None = None):
    """(graph with compiled blocks, {node: CompiledCircuit}, {node: EquivalenceReport}).

    `fixed` gives, per block name as written, the physical qubit of each of its qubits (native
    entanglement chose them); a fused block `a+b` takes its parts' choices."""
    from .equivalence import check

    target = get_target(target)
    out = graph.copy()
    compiled: dict[str, CompiledCircuit] = {}
    checks: dict = {}
    for n, data in graph.nodes(data=True):
        b = data["op"]
        if not isinstance(b, QuantumBlock):
            continue
        if b.state or b.from_state:
            raise TargetError(
                f"block `{b.name}` passes its quantum state to another block, which cannot be compiled "
                f"for a target block by block",
                hint="compile with -O1 or higher, where the `fuse-blocks` pass makes one circuit of them")
        initial = _fixed_for(b, fixed or {})
        cc = compile_circuit(b.circuit, target, opt_level=opt_level, seed=seed, placement=placement,
                             user_passes=user_passes, name=b.name, initial=initial)
        compiled[n] = cc
        if verify:
            checks[n] = check(cc, seed=seed)
        out.nodes[n]["op"] = runnable_block(b, cc)
    out.graph["target"] = target.name
    return out, compiled, checks


def _fixed_for(b: QuantumBlock, fixed: dict[str, dict[int, int]]) -> dict[int, int] | None:
    """The fixed placement of circuit qubits (after passes renumbered them: `b.qubits` maps back to
    the qubits as written), or None when no part of the block chose one."""
    parts = [fixed[p] for p in b.name.split("+") if p in fixed]
    if not parts:
        return None
    written: dict[int, int] = {}
    for m in parts:
        for q, p in m.items():
            if written.get(q, p) != p:
                return None  # fused parts that disagree: let placement search decide
            written[q] = p
    if not all(q in written for q in b.qubits):
        return None
    return {k: written[q] for k, q in enumerate(b.qubits)}


def runnable_block(b: QuantumBlock, cc: CompiledCircuit) -> QuantumBlock:
    """The block as the compiled circuit runs it: physical qubits renumbered compactly."""
    native = cc.circuit
    physical = sorted(q.index[0] for q in native.qubits)
    compact = {p: k for k, p in enumerate(physical)}
    circ = Circuit(len(physical), name=b.circuit.name) if b.circuit.name else Circuit(len(physical))
    for cmd in native.get_commands():
        circ.add_gate(cmd.op, [compact[q.index[0]] for q in cmd.qubits])
    circ.add_phase(native.phase)
    where = {i: compact[cc.final_map[i]] for i in range(b.n_qubits)}
    readouts = tuple(_remap(r, where) for r in b.readouts)
    layout = tuple((b.qubits[i], cc.initial_map[i], cc.final_map[i]) for i in range(b.n_qubits))
    return b.with_(circuit=circ, readouts=readouts, qubits=tuple(physical), target=cc.target.name,
                   layout=layout)


def _remap(r, new):
    if isinstance(r, Expval):
        return Expval(tuple(PauliString(t.coeff, tuple(sorted((new[q], p) for q, p in t.ops)))
                            for t in r.terms))
    if isinstance(r, Probs):
        return Probs(tuple(new[q] for q in r.qubits))
    return Samples(tuple(new[q] for q in r.qubits), r.shots)


def native_layouts(spec, choices) -> tuple[dict[str, dict[int, int]], dict[str, list[dict]]]:
    """Which block each native-entanglement choice belongs to (by the template call's span on the
    block's gates): ({block: {qubit as written: physical}}, {block: [choice as JSON]})."""
    fixed: dict[str, dict[int, int]] = {}
    notes: dict[str, list[dict]] = {}
    for b in spec.blocks:
        spans = {op.span for op in b.ops}
        for c in choices:
            if c.span not in spans:
                continue
            notes.setdefault(b.name, []).append(c.to_json())
            if c.physical is not None:
                fixed.setdefault(b.name, {}).update(dict(enumerate(c.physical)))
    return fixed, notes
