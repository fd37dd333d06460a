"""Remove every node whose value cannot reach an output (a branch computed but never used).

Reads: nothing. Writes: facts["dead-nodes"] = [removed node ids].
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ...ir import graph as G
from ...ir.nodes import Input, Output
from ..base import Pass, PassContext


@dataclass(frozen=True)
class DeadNodes(Pass):
    name = "dead-nodes"
    description = "remove nodes whose values reach no output"

    def run(self, graph, context: PassContext):
        live = set()
        for n, d in graph.nodes(data=True):
            if isinstance(d["op"], Output):
                live |= {n} | nx.ancestors(graph, n)
        dead = [n for n, d in graph.nodes(data=True) if n not in live and not isinstance(d["op"], Input)]
        context.facts[self.name] = dead
        if not dead:
            return graph
        g = G.copy(graph)
        g.remove_nodes_from(dead)
        context.note(self.name, f"removed {len(dead)} node(s) whose values reach no output: {', '.join(dead)}")
        return g
