"""`cancel-adjacent-inverses`: remove pairs of adjacent gates whose product is the identity.

Two gates are adjacent when no other gate touches any of their qubits between them. A pair is
removed when the second gate undoes the first *exactly* (the same matrix, global phase
included), so the circuit's unitary is unchanged:

- self-inverse gates on the same qubits: H·H, X·X, Y·Y, Z·Z, CX·CX, CY·CY, CZ·CZ, CH·CH,
  SWAP·SWAP, CCX·CCX, CSWAP·CSWAP (CZ, SWAP and the controls of CCX may come in either order);
- a gate and its adjoint: S·Sdg, T·Tdg, SX·SXdg, V·Vdg (either way round);
- with `rotations=true` (the default), two rotations of one kind on the same qubits whose angles
  add up to a whole period: Rx(a)·Rx(-a), Rz(θ)·Rz(-θ) with θ a trainable parameter, Ry(0.3)·Ry(3.7)
  (pytket counts angles in half-turns: Rx, Ry, Rz, CRx, CRy, CRz, XXPhase, YYPhase and ZZPhase have
  period 4, U1 and CU1 period 2). Angles are compared symbolically first; an angle that is a
  number is compared with `tolerance`.

Removal cascades: in H·CX·CX·H the CX pair goes first, which makes the H pair adjacent.

Circuits with anything but plain gates and barriers (measurements, conditional operations) or
with an implicit qubit permutation are left alone, with a note. A symbol that no gate uses any
more stays declared in the block; run `drop-unused-params` afterwards to report it as dropped.

Facts: writes `context.facts["cancel-adjacent-inverses"]` = {"removed": {node: gates removed},
"total": gates removed}. Notes one line per block it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from pytket import Circuit, OpType

from qml_compiler.ir import blocks, copy
from qml_compiler.passes import Pass

SELF_INVERSE = {OpType.H, OpType.X, OpType.Y, OpType.Z, OpType.CX, OpType.CY, OpType.CZ, OpType.CH,
                OpType.SWAP, OpType.CCX, OpType.CSWAP}
ADJOINT = {OpType.S: OpType.Sdg, OpType.Sdg: OpType.S, OpType.T: OpType.Tdg, OpType.Tdg: OpType.T,
           OpType.SX: OpType.SXdg, OpType.SXdg: OpType.SX, OpType.V: OpType.Vdg, OpType.Vdg: OpType.V}
PERIOD = {OpType.Rx: 4, OpType.Ry: 4, OpType.Rz: 4, OpType.CRx: 4, OpType.CRy: 4, OpType.CRz: 4,
          OpType.XXPhase: 4, OpType.YYPhase: 4, OpType.ZZPhase: 4, OpType.U1: 2, OpType.CU1: 2}
"""Rotations by one angle (half-turns) and the angle after which each is exactly the identity."""

SYMMETRIC = {OpType.CZ, OpType.SWAP, OpType.CU1, OpType.XXPhase, OpType.YYPhase, OpType.ZZPhase}


def _qubit_key(cmd) -> tuple:
    """The command's qubits, in a canonical order where the gate does not care about the order."""
    qs = list(cmd.qubits)
    t = cmd.op.type
    if t in SYMMETRIC:
        return tuple(sorted(qs))
    if t == OpType.CCX:  # the two controls commute
        return (*sorted(qs[:2]), qs[2])
    if t == OpType.CSWAP:  # the two swapped qubits commute
        return (qs[0], *sorted(qs[1:]))
    return tuple(qs)


def _is_zero_angle(a, b, period: int, tolerance: float) -> bool:
    """Whether a + b is a whole number of periods (exactly, for symbolic angles)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        value = (a + b) % period
    else:
        total = sympy.expand(sympy.sympify(a) + sympy.sympify(b))
        if total.free_symbols:
            return False
        value = float(total) % period
    return min(value, period - value) <= tolerance


def _undoes(first, second, rotations: bool, tolerance: float) -> bool:
    """Whether gate `second`, straight after gate `first` on the same qubits, undoes it."""
    a, b = first.op.type, second.op.type
    if _qubit_key(first) != _qubit_key(second):
        return False
    if a in SELF_INVERSE:
        return a == b
    if a in ADJOINT:
        return ADJOINT[a] == b
    if rotations and a in PERIOD and a == b:
        return _is_zero_angle(first.op.params[0], second.op.params[0], PERIOD[a], tolerance)
    return False


def cancel_adjacent_inverses(circ: Circuit, rotations: bool = True,
                             tolerance: float = 1e-9) -> tuple[Circuit, int]:
    """A new circuit without the adjacent inverse pairs of `circ`, and how many gates went.

    Returns `circ` itself (not a copy) when nothing was removed; never changes `circ`.
    """
    commands = circ.get_commands()
    kept: list = []  # commands in order; None where a command was cancelled
    last: dict = {}  # qubit -> indices into `kept` of the live commands on it, latest last
    removed = 0
    for cmd in commands:
        qubits = cmd.qubits
        tops = {last[q][-1] if last.get(q) else None for q in qubits}
        if len(tops) == 1:
            j = tops.pop()
            # `j` is the latest live command on every qubit of `cmd`; `_undoes` checks it acts
            # on exactly those qubits, so the two are adjacent.
            if j is not None and _undoes(kept[j], cmd, rotations, tolerance):
                kept[j] = None
                for q in qubits:
                    last[q].pop()
                removed += 2
                continue
        kept.append(cmd)
        for q in qubits:
            last.setdefault(q, []).append(len(kept) - 1)
    if removed == 0:
        return circ, 0
    new = Circuit() if circ.name is None else Circuit(circ.name)
    for q in circ.qubits:
        new.add_qubit(q)
    for b in circ.bits:
        new.add_bit(b)
    new.add_phase(circ.phase)
    for cmd in kept:
        if cmd is None:
            continue
        if cmd.op.type == OpType.Barrier:
            new.add_barrier(cmd.args)
        else:
            new.add_gate(cmd.op, cmd.args)
    return new, removed


def _plain(circ: Circuit) -> bool:
    """Only unitary gates and barriers on qubits, and no implicit permutation of the wires."""
    if any(q != p for q, p in circ.implicit_qubit_permutation().items()):
        return False
    return all(not cmd.bits and cmd.op.type != OpType.Conditional for cmd in circ.get_commands())


@dataclass(frozen=True)
class CancelAdjacentInverses(Pass):
    name = "cancel-adjacent-inverses"
    description = "remove adjacent gate pairs that undo each other (CX·CX, H·H, S·Sdg, Rz(a)·Rz(-a))"

    rotations: bool = True
    """Also cancel two rotations of one kind whose angles add up to a whole period."""
    tolerance: float = 1e-9
    """How far from a whole period (in half-turns) a numeric angle sum may be."""

    def run(self, graph, context):
        out = copy(graph)  # never change the graph we are given
        removed: dict[str, int] = {}
        for node, block in blocks(graph):
            if not _plain(block.circuit):
                context.note(self.name, f"block `{node}` skipped: it holds more than plain gates")
                continue
            circ, n = cancel_adjacent_inverses(block.circuit, self.rotations, self.tolerance)
            if n:
                out.nodes[node]["op"] = block.with_(circuit=circ)
                removed[node] = n
                context.note(self.name, f"block `{node}` ({block.name}): removed {n} gates")
        context.facts[self.name] = {"removed": removed, "total": sum(removed.values())}
        return out
