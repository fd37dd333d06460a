"""Fold what is known at compile time, in circuits and in the classical graph.

In circuits: gates whose angles are numbers that make them the identity are removed (a rotation
by a multiple of 4π, or of 2π where the difference is only a global phase, which no readout can
see; a controlled rotation only at multiples of 4π, since its phase is not global).

In the classical graph: `scale` by 1, `identity` activations and slices that keep everything are
bypassed; a scale of a scale and a slice of a slice become one; a quantum block with no data
inputs and no trainable parameters, and any classical node whose arguments are all constants,
is evaluated once and replaced by a `constant` node.

Reads: nothing. Writes: facts["constant-fold"] = {"gates": removed, "nodes": [folded ids]}.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pytket import Circuit, OpType

from ...ir import graph as G
from ...ir.nodes import (Activation, Concat, Constant, Input, Output, QuantumBlock, Scale, Slice)
from ..base import Pass, PassContext

# Rotations and the period (in half-turns) at which they are the identity up to global phase.
_PERIOD = {OpType.Rx: 2, OpType.Ry: 2, OpType.Rz: 2, OpType.U1: 2, OpType.XXPhase: 2,
           OpType.YYPhase: 2, OpType.ZZPhase: 2, OpType.CRx: 4, OpType.CRy: 4, OpType.CRz: 4,
           OpType.CU1: 2}


def _is_identity(cmd) -> bool:
    period = _PERIOD.get(cmd.op.type)
    if period is None:
        return False
    if cmd.op.free_symbols():
        return False  # depends on parameters or data
    try:
        values = [float(a) for a in cmd.op.params]
    except (TypeError, RuntimeError, ValueError):
        return False
    return all(math.isclose(math.remainder(v, period), 0.0, abs_tol=1e-12) for v in values)


def fold_circuit(c: Circuit) -> tuple[Circuit, int]:
    """The circuit without its identity gates (the same object when there are none)."""
    commands = c.get_commands()
    keep = [cmd for cmd in commands if not _is_identity(cmd)]
    if len(keep) == len(commands):
        return c, 0
    out = Circuit(c.n_qubits, name=c.name)
    for cmd in keep:
        out.add_gate(cmd.op, cmd.args)
    return out, len(commands) - len(keep)


@dataclass(frozen=True)
class ConstantFold(Pass):
    name = "constant-fold"
    description = "remove identity gates, fold constant values and trivial classical nodes"

    def run(self, graph, context: PassContext):
        g = G.copy(graph)
        removed_gates = 0
        for n, b in G.blocks(graph):
            c, removed = fold_circuit(b.circuit)
            if removed:
                removed_gates += removed
                g.nodes[n]["op"] = b.with_(circuit=c)
        folded = []
        changed = True
        while changed:  # until nothing folds: one fold can expose the next (scale 2 of scale 0.5)
            changed = False
            for n in G.ordered(g):
                if n not in g:
                    continue
                o = g.nodes[n]["op"]
                ins = G.args(g, n)
                if self._trivial(g, o, ins):
                    self._bypass(g, n, ins[0])
                elif self._merge_chain(g, n, o, ins):
                    pass
                else:
                    value = self._constant_value(g, o, ins)
                    if value is None:
                        continue
                    g.remove_edges_from(list(g.in_edges(n)))
                    g.nodes[n]["op"] = Constant(tuple(float(v) for v in value))
                folded.append(n)
                changed = True
        context.facts[self.name] = {"gates": removed_gates, "nodes": folded}
        if removed_gates:
            context.note(self.name, f"removed {removed_gates} gate(s) that are the identity")
        if folded:
            context.note(self.name, f"folded {len(folded)} node(s): {', '.join(folded)}")
        return g

    @staticmethod
    def _trivial(g, o, ins) -> bool:
        if isinstance(o, Scale) and o.factor == 1.0:
            return True
        if isinstance(o, Activation) and o.function == "identity":
            return True
        if isinstance(o, Slice) and o.start == 0 and o.stop == g.nodes[ins[0]]["op"].width:
            return True
        return False

    @staticmethod
    def _bypass(g, n, source) -> None:
        for _, v, d in list(g.out_edges(n, data=True)):
            g.add_edge(source, v, **d)
        g.remove_node(n)

    @staticmethod
    def _merge_chain(g, n, o, ins) -> bool:
        """scale(scale(x)) and slice(slice(x)) become one node (the inner one stays if used)."""
        if not ins:
            return False
        inner = g.nodes[ins[0]]["op"]
        if isinstance(o, Scale) and isinstance(inner, Scale):
            new = Scale(o.factor * inner.factor, o.width)
        elif isinstance(o, Slice) and isinstance(inner, Slice):
            new = Slice(inner.start + o.start, inner.start + o.stop)
        else:
            return False
        source = G.args(g, ins[0])[0]
        g.remove_edge(ins[0], n)
        g.add_edge(source, n, width=g.nodes[source]["op"].width, port=0)
        g.nodes[n]["op"] = new
        if g.out_degree(ins[0]) == 0:
            g.remove_node(ins[0])
        return True

    @staticmethod
    def _constant_value(g, o, ins):
        if isinstance(o, (Input, Output, Constant)):
            return None
        if isinstance(o, QuantumBlock):
            if ins or o.state or o.circuit.free_symbols() or o.n_qubits > 16:
                return None  # depends on data or on trainable parameters (or too big to fold)
            if any(type(r).__name__ == "Samples" for r in o.readouts):
                return None  # random: sampling happens at run time
            from ...testing.reference import readout
            state = np.asarray(o.circuit.get_statevector())
            rng = np.random.default_rng(0)
            return np.concatenate([readout(state, o.n_qubits, r, rng) for r in o.readouts])
        if not ins or not all(isinstance(g.nodes[u]["op"], Constant) for u in ins):
            return None
        xs = [np.array(g.nodes[u]["op"].values) for u in ins]
        if isinstance(o, Scale):
            return o.factor * xs[0]
        if isinstance(o, Slice):
            return xs[0][o.start:o.stop]
        if isinstance(o, Concat):
            return np.concatenate(xs)
        if isinstance(o, Activation):
            from ...testing.reference import _activation
            return _activation(o.function, xs[0][None, :])[0]
        return None  # dense layers depend on trainable weights
