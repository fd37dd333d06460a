"""Placement that knows what hybrid-model circuits look like.

A general router sees gates; an ansatz has a shape. Most entangling layers of hybrid models are a
chain (`cx q[i], q[i+1]`) or a ring (the chain closed by `cx q[n-1], q[0]`), repeated layer after
layer. A chain laid along a path of the coupling graph needs no SWAP at all; a ring laid on a
cycle neither; a ring laid on a path whose two ends are close pays only for its closing gate.
This module reads the interaction graph of a circuit, recognises those shapes, and searches the
coupling graph for the path or (nearly closed) cycle that fits. The compiler then routes from
several candidate placements (these, and pytket's graph and line placements) and keeps the one
whose routed circuit has the fewest two-qubit gates, so a recognised shape can only help.

    >>> g = interaction_graph(circuit)          # logical qubits, edge weight = gates on the pair
    >>> shape(g)                                # "chain", "ring" or "general"
    >>> find_path(coupling, 16)                 # 16 coupled physical qubits in a row, or None
"""

from __future__ import annotations

import random
import time

import networkx as nx


def interaction_graph(circuit) -> nx.Graph:
    """Logical qubits (by index) with an edge for each pair a multi-qubit gate touches;
    `weight` counts the gates."""
    index = {q: k for k, q in enumerate(circuit.qubits)}
    g = nx.Graph()
    g.add_nodes_from(range(circuit.n_qubits))
    for cmd in circuit.get_commands():
        qs = [index[q] for q in cmd.qubits]
        for i in range(len(qs)):
            for j in range(i + 1, len(qs)):
                a, b = qs[i], qs[j]
                w = g.get_edge_data(a, b, {"weight": 0})["weight"]
                g.add_edge(a, b, weight=w + 1)
    return g


def shape(g: nx.Graph) -> str:
    """`chain` when the interacting qubits form paths, `ring` when they form one cycle,
    `none` when nothing interacts, `general` otherwise."""
    active = g.subgraph([v for v in g if g.degree(v) > 0])
    if active.number_of_nodes() == 0:
        return "none"
    if max(d for _, d in active.degree()) > 2:
        return "general"
    if nx.is_forest(active):
        return "chain"
    if nx.is_connected(active) and active.number_of_edges() == active.number_of_nodes():
        return "ring"
    return "general"


def linear_order(g: nx.Graph) -> list[int]:
    """The logical qubits in an order that keeps interacting pairs close: along each path (or
    around the ring, starting next to its lightest edge), then the idle qubits."""
    order: list[int] = []
    kind = shape(g)
    active = g.subgraph([v for v in g if g.degree(v) > 0])
    if kind == "ring":
        # Cut the ring at its lightest edge: that pair is the one that will be far apart.
        a, b = min(active.edges, key=lambda e: (active.edges[e]["weight"], e))
        cut = nx.Graph(active)
        cut.remove_edge(a, b)
        order = list(nx.shortest_path(cut, b, a))
    elif kind == "chain":
        for comp in sorted(nx.connected_components(active), key=lambda c: (-len(c), min(c))):
            ends = sorted(v for v in comp if active.degree(v) <= 1)
            start = ends[0] if ends else min(comp)
            order += list(nx.dfs_preorder_nodes(active.subgraph(comp), start))
    else:
        # Reverse Cuthill-McKee keeps neighbours close in a general graph.
        from networkx.utils import reverse_cuthill_mckee_ordering
        for comp in sorted(nx.connected_components(active), key=lambda c: (-len(c), min(c))):
            order += list(reverse_cuthill_mckee_ordering(active.subgraph(comp)))
    seen = set(order)
    return order + [v for v in sorted(g) if v not in seen]


def find_path(coupling: nx.Graph, n: int, seed: int = 0, budget_s: float = 0.5,
              close: bool = False) -> list[int] | None:
    """A simple path of `n` physical qubits in the coupling graph (a cycle when `close`: the
    last is coupled to the first), by depth-first search with Warnsdorff's rule (visit the
    neighbour with the fewest free neighbours first) and pruning on distance; None if none
    was found within the time budget."""
    if n <= 0:
        return []
    if n == 1:
        return [min(coupling)] if coupling else None
    if close and (n < 3 or (n % 2 and nx.is_bipartite(coupling))):
        return None  # a bipartite graph (heavy-hex, grids, lines) has no odd cycle
    rng = random.Random(seed)
    dist = dict(nx.all_pairs_shortest_path_length(coupling)) if close else None
    deadline = time.perf_counter() + budget_s
    starts = sorted(coupling, key=lambda v: (coupling.degree(v), v))
    if close:
        starts = sorted(coupling, key=lambda v: (-coupling.degree(v), v))
    steps = [0, 0]  # total, since this start

    def reachable(cur: int, on: set[int], need: int) -> bool:
        """At least `need` free qubits reachable from `cur`: else no path can be long enough."""
        seen, stack = {cur}, [cur]
        count = 0
        while stack:
            for w in coupling[stack.pop()]:
                if w not in seen and w not in on:
                    seen.add(w)
                    stack.append(w)
                    count += 1
                    if count >= need:
                        return True
        return count >= need

    def search(path: list[int], on: set[int]) -> list[int] | None:
        steps[0] += 1
        steps[1] += 1
        if steps[0] % 512 == 0 and time.perf_counter() > deadline:
            raise TimeoutError
        if steps[1] > per_start:
            raise StopIteration  # this start is not promising: try the next one
        cur = path[-1]
        if len(path) == n:
            if not close or coupling.has_edge(cur, path[0]):
                return path
            return None
        remaining = n - len(path)
        if not reachable(cur, on, remaining):
            return None
        nbrs = [v for v in coupling[cur] if v not in on]
        if close:
            # Must be able to come back to the start with exactly the nodes left.
            nbrs = [v for v in nbrs if dist[v][path[0]] <= remaining]
        rng.shuffle(nbrs)
        nbrs.sort(key=lambda v: sum(1 for w in coupling[v] if w not in on))
        for v in nbrs:
            path.append(v)
            on.add(v)
            found = search(path, on)
            if found:
                return found
            path.pop()
            on.discard(v)
        return None

    per_start = max(2000, 40 * n)
    try:
        while True:  # rounds over every start, each bounded, until found or out of time
            exhausted = True
            for s0 in starts:
                steps[1] = 0
                try:
                    found = search([s0], {s0})
                except StopIteration:
                    exhausted = False
                    continue
                if found:
                    return list(found)
            if exhausted:
                return None  # every start searched completely: no such path
            per_start *= 4
    except (TimeoutError, RecursionError):
        return None


def longest_path(coupling: nx.Graph, n: int, seed: int = 0, budget_s: float = 0.5) -> list[int]:
    """The longest simple path found (up to `n` nodes) by randomised greedy walks: the best
    backbone for a chain that is longer than any path of the device."""
    rng = random.Random(seed)
    best: list[int] = []
    deadline = time.perf_counter() + budget_s
    nodes = sorted(coupling)
    while time.perf_counter() < deadline:
        start = rng.choice(nodes)
        path, on = [start], {start}
        while len(path) < n:
            free = [v for v in coupling[path[-1]] if v not in on]
            if not free:
                break
            free.sort(key=lambda v: (sum(1 for w in coupling[v] if w not in on), rng.random()))
            path.append(free[0])
            on.add(free[0])
        if len(path) > len(best):
            best = path
            if len(best) >= n:
                break
    return best


def near_cycle(coupling: nx.Graph, n: int, seed: int = 0, budget_s: float = 0.5) -> list[int] | None:
    """A path of `n` physical qubits whose two ends are as close as found (a cycle if one is):
    the backbone for a ring. Tries cycles first, then paths with ends at distance 2, 3, ..."""
    cyc = find_path(coupling, n, seed=seed, budget_s=budget_s / 2, close=True)
    if cyc:
        return cyc
    rng = random.Random(seed)
    dist = dict(nx.all_pairs_shortest_path_length(coupling))
    deadline = time.perf_counter() + budget_s / 2
    best, best_d = None, None
    nodes = sorted(coupling)
    while time.perf_counter() < deadline:
        start = rng.choice(nodes)
        path, on = [start], {start}
        while len(path) < n:
            remaining = n - len(path)
            free = [v for v in coupling[path[-1]] if v not in on]
            if not free:
                break
            # Go out for the first half, come back towards the start for the second.
            if remaining <= len(path):
                free.sort(key=lambda v: (dist[v][start], rng.random()))
            else:
                free.sort(key=lambda v: (sum(1 for w in coupling[v] if w not in on), rng.random()))
            path.append(free[0])
            on.add(free[0])
        if len(path) == n:
            d = dist[path[-1]][start]
            if best_d is None or d < best_d:
                best, best_d = path, d
                if d <= 2:
                    break
    return best


def ansatz_placements(circuit, coupling: nx.Graph, seed: int = 0, budget_s: float = 0.5) -> list[tuple[str, dict[int, int]]]:
    """Candidate placements (logical qubit index -> physical qubit) for the shape of `circuit`,
    each with a name for reports; empty when the shape suggests nothing better than a general
    placement."""
    g = interaction_graph(circuit)
    kind = shape(g)
    n = circuit.n_qubits
    if kind in ("none", "general") or n > coupling.number_of_nodes():
        return []
    order = linear_order(g)
    active = [v for v in order if g.degree(v) > 0]
    out = []
    if kind == "ring":
        backbone = near_cycle(coupling, len(active), seed=seed, budget_s=budget_s)
        if backbone:
            out.append(("ring", _fill(order, backbone, coupling)))
    backbone = find_path(coupling, len(active), seed=seed, budget_s=budget_s / 2)
    if backbone is None:
        backbone = longest_path(coupling, len(active), seed=seed, budget_s=budget_s / 2)
    if backbone:
        out.append(("path", _fill(order, backbone, coupling)))
    return out


def _fill(order: list[int], backbone: list[int], coupling: nx.Graph) -> dict[int, int]:
    """Lay `order` along `backbone`; qubits beyond it go to the free physical qubits nearest to
    the backbone's end (breadth-first), so that a chain longer than any path stays compact."""
    placement = dict(zip(order, backbone))
    used = set(backbone[: len(placement)])
    rest = order[len(placement):]
    if rest:
        frontier = list(nx.bfs_tree(coupling, backbone[min(len(backbone), len(order)) - 1]))
        free = [v for v in frontier if v not in used] + [v for v in sorted(coupling) if v not in used and v not in frontier]
        for q, p in zip(rest, free):
            placement[q] = p
    return placement


DENSE = 0.5
"""An interaction graph with at least this share of all possible pairs counts as dense."""


def is_dense(g: nx.Graph) -> bool:
    """Whether at least DENSE of the pairs of interacting qubits interact (4 qubits or more)."""
    k = sum(1 for v in g if g.degree(v) > 0)
    return k >= 4 and g.number_of_edges() >= DENSE * k * (k - 1) / 2


FAN = 0.5
"""A hub interacts with at least this share of the other interacting qubits."""


def is_fan(g: nx.Graph, coupling: nx.Graph) -> bool:
    """Whether one qubit interacts with many more others than any physical qubit has neighbours
    (a fan-in or fan-out, as Deutsch-Jozsa's oracle): the hub then travels along a line."""
    if g.number_of_edges() == 0:
        return False
    k = sum(1 for v in g if g.degree(v) > 0)
    hub = max(d for _, d in g.degree())
    # A hub, not merely a busy qubit: random-100 has qubits with 12 partners, and its
    # swap-line candidates were 4x worse than SABRE's.
    return hub >= max(4, 2 * max(d for _, d in coupling.degree()), FAN * (k - 1))


def dense_line_placements(circuit, coupling: nx.Graph, seed: int = 0, budget_s: float = 0.5,
                          interaction: nx.Graph | None = None
                          ) -> tuple[list[int], list[tuple[str, dict[int, int]]]] | None:
    """For a circuit whose qubits nearly all interact with each other (full entanglement, QFT),
    a path of the coupling graph to route on as if the device were a line: on a line, SWAPs
    past each neighbour meet every partner in turn (a swap network), which a router on the
    whole graph, drawn to its shortcuts, does not find (measured on heavy-hex-27, 16-qubit full
    entanglement: 679 CX on a path against 875). Returns the path and placements along it (the
    circuit's own qubit order and a bandwidth-reducing one), or None if not dense or no path.
    `interaction` is the circuit's interaction graph where the caller has it already."""
    g = interaction if interaction is not None else interaction_graph(circuit)
    n = circuit.n_qubits
    if n < 4 or n > coupling.number_of_nodes() or not (is_dense(g) or is_fan(g, coupling)):
        return None
    path = find_path(coupling, n, seed=seed, budget_s=budget_s)
    if path is None:
        return None
    out = []
    for name, order in (("swap-line", list(range(n))), ("swap-line-rcm", linear_order(g))):
        m = dict(zip(order, path))
        if all(m != other for _, other in out):
            out.append((name, m))
    return path, out
