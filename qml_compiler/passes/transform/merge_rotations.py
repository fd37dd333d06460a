"""Merge rotations and drop parameters that can no longer influence the output.

`merge-rotations` lets pytket commute single-qubit rotations through the controls and targets of
multi-qubit gates where they commute, then merges neighbouring rotations about the same axis into
one whose angle is the sum (RY(x) RY(θ) becomes RY(x + θ)), and removes identities and
gate-inverse pairs. Both pytket passes are exact and work on symbolic angles.

`drop-unused-params` marks, on each block, the parameter elements whose symbols no longer occur
in its circuit (after light-cone pruning or merging), so that parameter counts and training
reports stay honest; it notes which ones.

Reads: nothing. Writes: facts["merge-rotations"][node] = gates before/after;
facts["dropped-params"][node] = ["block.param[i]", ...].
"""

from __future__ import annotations

from dataclasses import dataclass

from pytket.passes import CommuteThroughMultis, RemoveRedundancies, SequencePass

from ...ir import graph as G
from ...ir.circuits import circuit_symbols
from ..base import Pass, PassContext


@dataclass(frozen=True)
class MergeRotations(Pass):
    name = "merge-rotations"
    description = "commute and merge neighbouring rotations (angles become sums of symbols)"
    commute: bool = True

    def run(self, graph, context: PassContext):
        g = G.copy(graph)
        facts = context.facts.setdefault(self.name, {})
        for n, b in G.blocks(graph):
            c = b.circuit.copy()
            passes = [CommuteThroughMultis(), RemoveRedundancies()] if self.commute else [RemoveRedundancies()]
            SequencePass(passes).apply(c)
            if c.n_gates != b.circuit.n_gates or c != b.circuit:
                facts[n] = (b.circuit.n_gates, c.n_gates)
                g.nodes[n]["op"] = b.with_(circuit=c)
        return g


@dataclass(frozen=True)
class DropUnusedParams(Pass):
    name = "drop-unused-params"
    description = "mark parameter elements that no longer occur in any gate as dropped, and say which"

    def run(self, graph, context: PassContext):
        g = G.copy(graph)
        facts = context.facts.setdefault("dropped-params", {})
        for n, b in G.blocks(graph):
            present = circuit_symbols(b.circuit)
            dropped = set(b.dropped)
            new = [(s.block, s.name, s.index) for s in b.symbols
                   if s.kind == "param" and s.symbol not in present and (s.block, s.name, s.index) not in dropped]
            if new:
                g.nodes[n]["op"] = b.with_(dropped=tuple(b.dropped) + tuple(new))
                facts[n] = [f"{blk}.{p}[{i}]" for blk, p, i in new]
                shown = ", ".join(facts[n][:8]) + (" ..." if len(new) > 8 else "")
                context.note(self.name, f"block `{b.name}`: {len(new)} parameter element(s) cannot "
                                        f"influence the output and are not trained: {shown}")
        return g
