"""Count, per owner (block or dense layer), the parameters declared and those still trained.

Reads: each block's `dropped`. Writes: facts["parameters"] = {owner: {"declared", "trained"}}.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...ir import graph as G
from ...ir.nodes import Dense
from ..base import Pass, PassContext


@dataclass(frozen=True)
class ParameterReport(Pass):
    name = "parameter-report"
    description = "record how many parameters each block and layer declares and still trains"
    analysis = True

    def run(self, graph, context: PassContext):
        sizes = {(owner, p.name): p.size for _, b in G.blocks(graph) for owner, p in b.params}
        declared: dict[str, int] = {}
        for (owner, _), size in sizes.items():
            declared[owner] = declared.get(owner, 0) + size
        for _, d in graph.nodes(data=True):
            if isinstance(d["op"], Dense):
                declared[d["op"].layer] = d["op"].n_params
        trained = G.trainable(graph)
        context.facts[self.name] = {o: {"declared": declared.get(o, 0), "trained": trained.get(o, 0)}
                                    for o in sorted(set(declared) | set(trained))}
        return graph
