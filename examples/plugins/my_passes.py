"""A pass in a single file, for the command line's `--pass` (no installation needed):

    qmlc compile examples/moons.qml --pass examples/plugins/my_passes.py:DecomposeSwaps@after:light-cone
    PYTHONPATH=examples/plugins qmlc compile examples/moons.qml --pass my_passes:DecomposeSwaps

See docs/passes.md. The same class could be registered with `register_pass` or an entry point.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytket import Circuit, OpType

from qml_compiler.ir import blocks, copy
from qml_compiler.passes import Pass


@dataclass(frozen=True)
class DecomposeSwaps(Pass):
    """SWAP(a, b) = CX(a, b) CX(b, a) CX(a, b), for targets that have no SWAP gate."""

    name = "decompose-swaps"
    description = "replace every SWAP by three CX gates"

    def run(self, graph, context):
        out = copy(graph)
        count = 0
        for node, block in blocks(graph):
            old = block.circuit
            if not any(cmd.op.type == OpType.SWAP for cmd in old.get_commands()):
                continue
            new = Circuit(old.name) if old.name else Circuit()
            for q in old.qubits:
                new.add_qubit(q)
            new.add_phase(old.phase)
            for cmd in old.get_commands():
                if cmd.op.type == OpType.SWAP:
                    a, b = cmd.qubits
                    new.CX(a, b).CX(b, a).CX(a, b)
                    count += 1
                elif cmd.op.type == OpType.Barrier:
                    new.add_barrier(cmd.args)
                else:
                    new.add_gate(cmd.op, cmd.args)
            out.nodes[node]["op"] = block.with_(circuit=new)
        context.facts[self.name] = count
        if count:
            context.note(self.name, f"replaced {count} SWAP gate(s) by 3 CX each")
        return out
