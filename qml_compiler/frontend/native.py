"""Native entanglement: an ansatz whose entangling pairs come from the target's coupling graph.

Where a person lets the compiler choose (`entangle=native`, `native_ring` or `native_all` in a
template), the pairs are taken from the hardware itself, so the block needs no routing at all:

    native       a chain along a path of the coupling graph (found heuristically)
    native_ring  a ring on a cycle of the coupling graph; where the device has no cycle of the
                 block's length the ring stays open (a path) and the report says so
    native_all   every coupler among a compact, connected set of the block's size

Such a model is target-specific: its logical circuit is resolved once the target is known, which
is while the file is elaborated under `resolving_for(target)`. With no target (or an all-to-all
one) the words mean line, ring and full. Every choice is recorded (`choices()`): which physical
qubits the block's qubits stand for, and which pairs were chosen, for the report and the layout.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

NATIVE_WORDS = ("native", "native_ring", "native_all")

_TARGET: contextvars.ContextVar = contextvars.ContextVar("qml_native_target", default=None)
_CHOICES: contextvars.ContextVar = contextvars.ContextVar("qml_native_choices", default=None)


@dataclass(frozen=True)
class NativeChoice:
    """One resolved `entangle=native*` of a template call."""

    span: object  # the template call's Span
    kind: str
    target: str | None
    pairs: tuple[tuple[int, int], ...]  # logical qubit pairs, in order
    physical: tuple[int, ...] | None  # physical qubit of each logical qubit (None: any placement)
    note: str = ""

    def to_json(self) -> dict:
        return {"kind": self.kind, "target": self.target, "pairs": [list(p) for p in self.pairs],
                "physical": list(self.physical) if self.physical is not None else None, "note": self.note}


@contextmanager
def resolving_for(target):
    """Elaborate files inside this block with `native*` entanglement resolved for `target`
    (a `quantum.targets.Target`, or None for the ideal patterns)."""
    t1 = _TARGET.set(target)
    t2 = _CHOICES.set([])
    try:
        yield _CHOICES.get()
    finally:
        _TARGET.reset(t1)
        _CHOICES.reset(t2)


def choices() -> list[NativeChoice]:
    return list(_CHOICES.get() or [])


def native_pairs(kind: str, n: int, span, fail) -> list[tuple[int, int]]:
    """The pairs for `kind` on a block of `n` qubits; `fail(message, hint)` raises a located error."""
    target = _TARGET.get()
    if target is None or target.all_to_all:
        pairs = _ideal(kind, n)
        _record(NativeChoice(span, kind, None if target is None else target.name, tuple(pairs), None,
                             "no target: ideal pattern" if target is None else "all-to-all target"))
        return pairs
    if n > target.n_qubits:
        fail(f"needs {n} qubits for `{kind}` entanglement, but target `{target.name}` has {target.n_qubits}",
             "choose a larger target or a smaller block")
    from ..quantum.placement import find_path, longest_path

    g = target.graph()
    note = ""
    if kind == "native_all":
        physical = _compact_set(g, n)
        index = {p: i for i, p in enumerate(physical)}
        pairs = sorted((min(index[a], index[b]), max(index[a], index[b]))
                       for a, b in g.subgraph(physical).edges)
    else:
        path = None
        if kind == "native_ring" and n >= 3:
            path = find_path(g, n, budget_s=1.0, close=True)
            if path is None:
                note = f"no cycle of {n} coupled qubits found on `{target.name}`: the ring is left open"
        if path is None:
            path = find_path(g, n, budget_s=1.0)
            if path is None:
                best = longest_path(g, n, budget_s=0.5)
                fail(f"found no path of {n} coupled qubits on `{target.name}` for `{kind}` entanglement "
                     f"(the longest found has {len(best)})",
                     "use entangle=native_all, which needs only a connected set, or a smaller block")
        physical = list(path)
        pairs = [(i, i + 1) for i in range(n - 1)]
        if kind == "native_ring" and not note and n >= 3:
            pairs.append((n - 1, 0))
    _record(NativeChoice(span, kind, target.name, tuple(pairs), tuple(physical), note))
    return pairs


def _ideal(kind: str, n: int) -> list[tuple[int, int]]:
    if kind == "native_all":
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    pairs = [(i, i + 1) for i in range(n - 1)]
    if kind == "native_ring" and n > 2:
        pairs.append((n - 1, 0))
    return pairs


def _compact_set(g, n: int) -> list[int]:
    """n connected physical qubits with as many couplers among them as found: breadth-first
    balls around every qubit, the densest kept (ties: the lowest numbers)."""
    import networkx as nx

    best, best_edges = None, -1
    for root in sorted(g):
        ball = list(nx.bfs_tree(g, root))[:n]
        if len(ball) < n:
            continue
        edges = g.subgraph(ball).number_of_edges()
        if edges > best_edges:
            best, best_edges = ball, edges
    return best if best is not None else sorted(g)[:n]


def _record(choice: NativeChoice) -> None:
    out = _CHOICES.get()
    if out is not None:
        out.append(choice)
