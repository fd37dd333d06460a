"""Fuse a block that hands its quantum state to the next block into one circuit.

A block without readout (`enc`) gives a quantum state; `ansatz(enc(x), ...)` starts from it.
Nothing classical lies between them, so one circuit can do both: the fused block runs `enc`'s
gates, then `ansatz`'s, reads out what `ansatz` reads out, takes both blocks' data inputs and
trains both blocks' parameters. Hardware cannot hand a state from one job to the next, so this
pass is what makes such models runnable there; on a simulator it also saves a copy of the state.
A state that feeds more than one block cannot be fused (a quantum state cannot be copied); the
verifier refuses such graphs before this pass runs.

Reads: nothing. Writes: facts["fuse-blocks"] = [(first, second), ...].
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...ir import graph as G
from ...ir.nodes import QuantumBlock
from ..base import Pass, PassContext


@dataclass(frozen=True)
class FuseBlocks(Pass):
    name = "fuse-blocks"
    description = "join a block with the block it hands its quantum state to"

    def run(self, graph, context: PassContext):
        g = G.copy(graph)
        fused = []
        changed = True
        while changed:
            changed = False
            for n in G.ordered(g):
                b = g.nodes[n]["op"]
                if not (isinstance(b, QuantumBlock) and b.from_state):
                    continue
                first = G.args(g, n)[0]
                a = g.nodes[first]["op"]
                if not (isinstance(a, QuantumBlock) and a.state) or g.out_degree(first) != 1:
                    continue
                self._fuse(g, first, n, a, b)
                fused.append((first, n))
                changed = True
                break
        context.facts[self.name] = fused
        for first, second in fused:
            context.note(self.name, f"fused `{first}` into `{second}`: one circuit, no state handed over")
        return g

    @staticmethod
    def _fuse(g, first, second, a: QuantumBlock, b: QuantumBlock) -> None:
        a_args = G.args(g, first)
        b_data = G.args(g, second)[1:]
        circuit = a.circuit.copy()
        circuit.append(b.circuit)
        shift = len(a_args) - 1  # b's port p >= 1 becomes len(a_args) + p - 1
        symbols = a.symbols + tuple(replace(s, port=s.port + shift) if s.kind == "input" else s
                                    for s in b.symbols)
        seen, unique = set(), []
        for s in symbols:
            if s.symbol not in seen:
                seen.add(s.symbol)
                unique.append(s)
        params = tuple(dict.fromkeys(a.params + b.params))
        op = QuantumBlock(f"{a.name}+{b.name}", circuit, a.inputs + b.inputs, params, tuple(unique),
                          b.readouts, b.qubits, state=b.state, from_state=a.from_state,
                          gradient=b.gradient, dropped=a.dropped + b.dropped)
        g.remove_edges_from(list(g.in_edges(second)))
        for port, u in enumerate(a_args + b_data):
            g.add_edge(u, second, width=g.nodes[u]["op"].width, port=port)
        g.nodes[second]["op"] = op
        g.remove_node(first)
