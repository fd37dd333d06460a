"""SABRE layout and routing (Li, Ding, Xie, ASPLOS 2019, with Qiskit's later refinements).

    >>> placement = sabre_layout(circ, coupling, seed=0)          # logical index -> physical
    >>> routed, final, swaps = sabre_route(circ, coupling, placement, seed=0)

`routed` is the circuit on pytket `Node(p)` qubits with explicit `OpType.SWAP` gates; `final` maps
each logical qubit to the physical qubit its state ends on.

The router keeps a *front layer* of two-qubit gates whose predecessors have all run, executes
those whose qubits are coupled, and otherwise inserts the SWAP (on an edge touching a front gate)
that minimises

    H = max(decay[a], decay[b]) * (sum_F D / |F| + W * sum_E D / |E|)

with `D` the coupling graph's distance, `E` an extended set of up to 20 upcoming two-qubit
gates (W = 0.5), and `decay` growing on recently swapped qubits (reset every 5 SWAPs and
whenever a gate runs). When no gate has run for too long, a release valve undoes the SWAPs since
the last gate and walks the closest front gate's qubits together along a shortest path.

What is ours beyond that:

- The dependency graph knows which gates commute: on each qubit, consecutive gates diagonal in
  the same basis (Z: Rz, CZ, CU1, ZZPhase, the control of CX ...; X: Rx, the target of CX,
  XXPhase ...) form a group whose members may run in any order. QAOA's ZZ layers, the CNOT
  fan-in of Deutsch-Jozsa and QFT's controlled phases then give the router a wider front.
- Trials are ranked by an estimate of the two-qubit gates *after* KAK resynthesis (each
  maximal run of two-qubit operations on one pair costs at most 3 CX, so a SWAP next to a gate
  on the same pair costs 1-2 CX, not 3), then by two-qubit depth; and the swap choice is
  nudged towards such merges.
- The active front keeps one gate per qubit (the closest first); commuting gates that share a
  qubit wait in the extended set, so a qubit with many partners (a CNOT fan-in, a full
  entangler) visits them one after another instead of settling at their centre.
- Layout: first a perfect layout if a bounded depth-first search finds one (every two-qubit gate
  on a coupler, no SWAP); otherwise bidirectional refinement (route forward, then the reversed
  circuit from the final layout, `iterations` times) from many initial layouts (a compact one
  built from the interaction graph, random connected regions, random permutations). The best
  few layouts are routed again exactly as `sabre_route` will (same seed), and the best kept.
- Not done: bridge gates (a CX at distance 2 as four CX); eliding the circuit's own SWAPs.

The hot parts (routing loop and scoring, estimate, perfect-layout search) are compiled with
numba in `sabre_core.py` (cached on disk: the first process on a machine pays ~10 s of
compilation, later ones load it in well under a second); the layout and routing trial loops,
the dependency graph and the emitted circuit stay in Python here. The work is fixed, not timed:
`sabre_layout` runs `trials` initial layouts (LAYOUT_TRIALS by default, fewer for large
circuits), `sabre_route` ROUTE_TRIALS routings (likewise), so the result depends on the circuit,
the coupling graph and `seed` only, never on the machine's load. Deterministic for a given seed:
per-trial seeds come from a seeded `random.Random`, ties inside the core from a Lehmer generator
seeded with them (the same numbers on every machine).
"""

from __future__ import annotations

import random
from collections import deque

import networkx as nx
import numpy as np
from pytket import Circuit, OpType
from pytket.circuit import Node

from . import sabre_core as core
from .sabre_core import DECAY_RATE, DECAY_RESET_INTERVAL, EXTENDED_SET_SIZE, EXTENDED_SET_WEIGHT  # noqa: F401

MERGE_BONUSES = (0.0, 0.3)
ROUTE_BONUSES = (0.0, 0.3, 1.0)
LAYOUT_FINALISTS = 3
LAYOUT_TRIALS = 32
ROUTE_TRIALS = 24
MIN_TRIALS = 8
TRIAL_WORK = 100_000
PERFECT_STEPS = 1_000_000
"""Default trial counts: LAYOUT_TRIALS initial layouts and ROUTE_TRIALS routings while the
circuit's two-qubit gates x qubits is at most TRIAL_WORK, proportionally fewer beyond (never
fewer than MIN_TRIALS): a function of the circuit alone, so results do not depend on load.
PERFECT_STEPS bounds the perfect-layout search (~35 ns a step)."""
"""Subtracted from a SWAP's score when it merges with the last gate on its pair (so costs 1-2 CX
after KAK, not 3); layout trials cycle through MERGE_BONUSES, routing trials through
ROUTE_BONUSES, the best result is kept. The LAYOUT_FINALISTS best layouts are routed again as
`sabre_route` will route them, so the layout is chosen by what the router then does."""

# --- gate properties ---------------------------------------------------------------------------

_Z, _X, _Y = 1, 2, 3


def _type_table() -> dict:
    """OpType -> the Pauli each qubit position commutes with (0: none)."""
    table: dict = {}

    def put(names, types):
        for name in names:
            t = getattr(OpType, name, None)
            if t is not None:
                table[t] = types

    put(["Rz", "Z", "S", "Sdg", "T", "Tdg", "U1"], (_Z,))
    put(["Rx", "X", "SX", "SXdg", "V", "Vdg"], (_X,))
    put(["Ry", "Y"], (_Y,))
    put(["CZ", "CU1", "CRz", "ZZPhase", "ZZMax", "CS", "CSdg"], (_Z, _Z))
    put(["CX", "CRx", "CSX", "CSXdg", "CV", "CVdg"], (_Z, _X))
    put(["CY", "CRy"], (_Z, _Y))
    put(["CH", "CU3"], (_Z, 0))
    put(["XXPhase"], (_X, _X))
    put(["YYPhase"], (_Y, _Y))
    return table


_TYPES = _type_table()


def _cx_table() -> dict:
    """OpType -> CX count of a generic instance (what KAK needs for it alone)."""
    table: dict = {}
    for name, k in (("CX", 1), ("CZ", 1), ("CY", 1), ("CH", 1), ("ECR", 1), ("ZZMax", 1),
                    ("SWAP", 3), ("CU1", 2), ("CRz", 2), ("CRx", 2), ("CRy", 2), ("ZZPhase", 2),
                    ("XXPhase", 2), ("YYPhase", 2), ("CS", 2), ("CSdg", 2), ("CV", 2), ("CVdg", 2),
                    ("CSX", 2), ("CSXdg", 2), ("ISWAPMax", 2), ("ISWAP", 2)):
        t = getattr(OpType, name, None)
        if t is not None:
            table[t] = k
    return table


_CX_COST = _cx_table()


# --- the circuit as a dependency graph ---------------------------------------------------------

class _Prepared:
    """The circuit's commands and two dependency graphs: `preds` over every command (with
    commutation), and the two-qubit gates alone (`gates`, `succ`, `pred2`)."""

    def __init__(self, circ: Circuit):
        self.circ = circ
        self.n = circ.n_qubits
        qidx = {q: i for i, q in enumerate(circ.qubits)}
        bidx = {b: self.n + i for i, b in enumerate(circ.bits)}
        cmds = []
        self.phase_ops = []
        for cmd in circ.get_commands():
            if not cmd.qubits and not cmd.bits:
                self.phase_ops.append(cmd.op)
                continue
            if len(cmd.qubits) > 2:
                raise ValueError(f"sabre: `{cmd.op.type.name}` acts on {len(cmd.qubits)} qubits; decompose "
                                 "gates of three or more qubits before routing")
            cmds.append(cmd)
        self.cmds = cmds
        self.qubits = [tuple(qidx[q] for q in c.qubits) for c in cmds]
        preds: list = []
        state: dict = {}  # wire -> [type, current group, previous group]
        for k, cmd in enumerate(cmds):
            qs = self.qubits[k]
            types = _TYPES.get(cmd.op.type) if not cmd.bits else None
            wires = list(qs) + [bidx[b] for b in cmd.bits]
            p: set = set()
            for j, w in enumerate(wires):
                t = types[j] if types is not None and j < len(types) else 0
                st = state.get(w)
                if st is None:
                    state[w] = [t, [k], []]
                    continue
                if t and t == st[0]:
                    p.update(st[2])
                    st[1].append(k)
                else:
                    p.update(st[1])
                    state[w] = [t, [k], st[1]]
            preds.append(p)
        self.preds = preds
        # Two-qubit gates only: nearest two-qubit ancestors through one-qubit commands.
        two = [k for k, qs in enumerate(self.qubits) if len(qs) == 2]
        self.two = two
        id2 = {k: i for i, k in enumerate(two)}
        anc: dict = {}
        pred2: list = [None] * len(two)
        empty: frozenset = frozenset()
        for k in range(len(cmds)):
            ps = preds[k]
            if not ps:
                s = empty
            elif len(ps) == 1:
                (p0,) = ps
                s = frozenset((id2[p0],)) if p0 in id2 else anc[p0]
            else:
                acc: set = set()
                for p0 in ps:
                    if p0 in id2:
                        acc.add(id2[p0])
                    else:
                        acc |= anc[p0]
                s = frozenset(acc)
            if k in id2:
                pred2[id2[k]] = s
            else:
                anc[k] = s
        self.gates = [self.qubits[k] for k in two]
        self.pred2 = [sorted(s) for s in pred2]
        succ: list = [[] for _ in two]
        for i, ps in enumerate(self.pred2):
            for p0 in ps:
                succ[p0].append(i)
        self.succ = succ
        self.cost = [_CX_COST.get(cmds[k].op.type, 3) for k in two]
        # the same as arrays, for the compiled core (sabre_core.py)
        G = len(two)
        self.a_gates = np.array(self.gates, dtype=np.int64).reshape(G, 2)
        self.a_succ = _csr(succ)
        self.a_npred = np.array([len(p) for p in self.pred2], dtype=np.int64)
        self.a_bsucc = _csr(self.pred2)  # the reversed circuit: predecessors are successors
        self.a_bnpred = np.array([len(x) for x in succ], dtype=np.int64)
        self.a_cost = np.array(self.cost, dtype=np.int64)


def _csr(lists) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    for i, xs in enumerate(lists):
        ptr[i + 1] = ptr[i] + len(xs)
    idx = np.fromiter((x for xs in lists for x in xs), dtype=np.int64, count=int(ptr[-1]))
    return ptr, idx


class _Device:
    def __init__(self, coupling: nx.Graph):
        if coupling.number_of_nodes() == 0:
            raise ValueError("sabre: the coupling graph has no qubits")
        self.labels = sorted(coupling.nodes)
        self.index = {p: i for i, p in enumerate(self.labels)}
        self.N = len(self.labels)
        self.nbrs = [sorted(self.index[q] for q in coupling[p] if q != p) for p in self.labels]
        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(self.N))
        for i, ns in enumerate(self.nbrs):
            for j in ns:
                self.graph.add_edge(i, j)
        inf = 10 ** 6
        D = [[inf] * self.N for _ in range(self.N)]
        for s in range(self.N):
            row = D[s]
            row[s] = 0
            dq = deque([s])
            while dq:
                u = dq.popleft()
                du = row[u] + 1
                for v in self.nbrs[u]:
                    if row[v] > du:
                        row[v] = du
                        dq.append(v)
        self.D = D
        self.connected = all(d < inf for d in D[0])
        self.diameter = max(max(r) for r in D) if self.connected else inf
        self.a_D = np.array(D, dtype=np.int64)
        self.a_nbr = _csr(self.nbrs)

    def core_args(self) -> tuple:
        return (self.a_D, self.a_nbr[0], self.a_nbr[1], int(self.diameter))


_DEVICES: dict = {}


def _device(coupling: nx.Graph) -> _Device:
    key = (tuple(sorted(coupling.nodes)), tuple(sorted((min(a, b), max(a, b)) for a, b in coupling.edges)))
    dev = _DEVICES.get(key)
    if dev is None:
        dev = _Device(coupling)
        if len(_DEVICES) > 32:
            _DEVICES.clear()
        _DEVICES[key] = dev
        if not dev.connected:
            raise ValueError("sabre: the coupling graph is not connected")
    return dev


# --- layouts -----------------------------------------------------------------------------------

def _interaction_order(prep: _Prepared) -> list[int]:
    """Logical qubits ordered for a compact placement: breadth-first over the interaction graph
    from its busiest qubit, heavier edges first."""
    g = nx.Graph()
    g.add_nodes_from(range(prep.n))
    for a, b in prep.gates:
        w = g.get_edge_data(a, b, {"weight": 0})["weight"]
        g.add_edge(a, b, weight=w + 1)
    order: list = []
    seen: set = set()
    for start in sorted(g, key=lambda v: (-g.degree(v, weight="weight"), v)):
        if start in seen:
            continue
        seen.add(start)
        dq = deque([start])
        while dq:
            u = dq.popleft()
            order.append(u)
            for v in sorted(g[u], key=lambda v: (-g[u][v]["weight"], v)):
                if v not in seen:
                    seen.add(v)
                    dq.append(v)
    return order


def _region(dev: _Device, start: int, k: int, rng: random.Random | None) -> list[int]:
    """k physical qubits grown breadth-first from `start` (neighbours shuffled when rng)."""
    out = [start]
    seen = {start}
    dq = deque([start])
    while dq and len(out) < k:
        u = dq.popleft()
        ns = list(dev.nbrs[u])
        if rng is not None:
            rng.shuffle(ns)
        for v in ns:
            if v not in seen:
                seen.add(v)
                out.append(v)
                dq.append(v)
                if len(out) >= k:
                    break
    return out


def _initial_layouts(prep: _Prepared, dev: _Device, rng: random.Random, trials: int):
    n, N = prep.n, dev.N
    ecc = [max(r) for r in dev.D]
    center = min(range(N), key=lambda p: (ecc[p], p))
    order = _interaction_order(prep)
    for t in range(trials):
        if t == 0:
            region = _region(dev, center, n, None)
            l2p = [0] * n
            for q, p in zip(order, region):
                l2p[q] = p
        elif t % 3 == 2 or n >= N:
            l2p = rng.sample(range(N), n)
        else:
            region = _region(dev, rng.randrange(N), n, rng)
            if len(region) < n:
                region += rng.sample([p for p in range(N) if p not in set(region)], n - len(region))
            if t % 3 == 1:
                rng.shuffle(region)
                l2p = region
            else:
                l2p = [0] * n
                for q, p in zip(order, region):
                    l2p[q] = p
        yield l2p


def _perfect_layout(prep: _Prepared, dev: _Device, max_steps: int = PERFECT_STEPS) -> list[int] | None:
    """A layout on which every two-qubit gate is already on a coupled pair (a subgraph
    monomorphism of the interaction graph into the coupling graph, by depth-first search with
    a step limit), or None."""
    n, N = prep.n, dev.N
    adj: list = [set() for _ in range(n)]
    for a, b in prep.gates:
        adj[a].add(b)
        adj[b].add(a)
    active = [q for q in range(n) if adj[q]]
    if not active:
        return None
    pdeg = [len(ns) for ns in dev.nbrs]
    if max(len(adj[q]) for q in active) > max(pdeg):
        return None
    order: list = []
    seen: set = set()
    for start in sorted(active, key=lambda q: (-len(adj[q]), q)):
        if start in seen:
            continue
        seen.add(start)
        dq = deque([start])
        while dq:
            u = dq.popleft()
            order.append(u)
            for v in sorted(adj[u], key=lambda v: (-len(adj[v]), v)):
                if v not in seen:
                    seen.add(v)
                    dq.append(v)
    by_degree = np.array(sorted(range(N), key=lambda p: (-pdeg[p], p)), dtype=np.int64)
    adj_ptr, adj_idx = _csr([sorted(a) for a in adj])
    found = core.perfect_layout(adj_ptr, adj_idx, np.array(order, dtype=np.int64), dev.a_D, dev.a_nbr[0],
                                dev.a_nbr[1], by_degree, max_steps)
    if found.shape[0] == 0:
        return None
    l2p = [int(p) for p in found]
    used = [False] * N
    for p in l2p:
        if p >= 0:
            used[p] = True
    # idle qubits: the free physical qubits nearest to the placed ones
    if any(p < 0 for p in l2p):
        anchor = l2p[order[0]]
        free = sorted((p for p in range(N) if not used[p]), key=lambda p: (dev.D[anchor][p], p))
        it = iter(free)
        for q in range(n):
            if l2p[q] < 0:
                l2p[q] = next(it)
    return l2p


def _default_trials(prep: _Prepared, most: int) -> int:
    work = len(prep.gates) * max(1, prep.n)
    return max(MIN_TRIALS, min(most, int(most * TRIAL_WORK / max(1, work))))


def sabre_layout(circ: Circuit, coupling: nx.Graph, seed: int = 0, trials: int | None = None,
                 iterations: int = 3, budget_s: float | None = None) -> dict[int, int]:
    """An initial placement (logical qubit index -> physical qubit) by SABRE's bidirectional
    refinement from `trials` initial layouts (by default LAYOUT_TRIALS = 32, fewer for large
    circuits: see TRIAL_WORK); the layout whose forward routing has the fewest
    two-qubit gates after merging (then the smallest two-qubit depth) wins, after the
    LAYOUT_FINALISTS best are routed again as `sabre_route` will. A fixed amount of work: the
    result depends on the input and `seed` only. `budget_s` is accepted for compatibility and
    ignored (the search used to stop on wall-clock time, which made results depend on load)."""
    del budget_s
    return sabre_layouts(circ, coupling, seed, [trials], iterations)[0]


def sabre_layouts(circ: Circuit, coupling: nx.Graph, seed: int = 0, trials=(None,),
                  iterations: int = 3) -> list[dict[int, int]]:
    """`sabre_layout` for each count in `trials`, from one search: with the same seed, the first
    k trials of a longer search are exactly the trials of a search of k, so a short and a long
    search (both worth trying: the longer is not always better) cost only the longer one."""
    prep = _Prepared(circ)
    dev = _device(coupling)
    n, N = prep.n, dev.N
    if n > N:
        raise ValueError(f"sabre: the circuit has {n} qubits, the coupling graph {N}")
    rng = random.Random(seed)
    if not prep.gates:
        order = _interaction_order(prep)
        ecc = [max(r) for r in dev.D]
        center = min(range(N), key=lambda p: (ecc[p], p))
        region = _region(dev, center, n, None)
        return [{q: dev.labels[p] for q, p in zip(order, region)} for _ in trials]
    perfect = _perfect_layout(prep, dev)
    if perfect is not None:
        return [{q: dev.labels[p] for q, p in enumerate(perfect)} for _ in trials]
    dargs = dev.core_args()
    counts = [max(1, _default_trials(prep, LAYOUT_TRIALS) if k is None else k) for k in trials]
    results: list = []
    for t, l2p in enumerate(_initial_layouts(prep, dev, rng, max(counts))):
        tseed = rng.getrandbits(32)
        bonus = float(MERGE_BONUSES[t % len(MERGE_BONUSES)])
        total, depth, nsw, refined = core.layout_trial(
            prep.a_gates, *prep.a_succ, prep.a_npred, *prep.a_bsucc, prep.a_bnpred, prep.a_cost,
            np.array(l2p, dtype=np.int64), dargs[0], dargs[1], dargs[2], dargs[3], tseed, bonus, int(iterations))
        results.append(((int(total), int(depth), int(nsw), t), tuple(int(p) for p in refined)))
    scored: dict = {}  # finalist -> its route key (deterministic, so shared between the counts)
    out = []
    for k in counts:
        finalists = []
        for _, l2p in sorted(results[:k]):
            if l2p not in finalists:
                finalists.append(l2p)
            if len(finalists) >= LAYOUT_FINALISTS:
                break
        best = None
        for l2p in finalists:
            if l2p not in scored:
                scored[l2p] = _best_route(prep, dev, list(l2p), seed, None)[0]
            if best is None or scored[l2p] < best[0]:
                best = (scored[l2p], l2p)
        out.append({q: dev.labels[p] for q, p in enumerate(best[1])})
    return out


def _default_route_trials(prep: _Prepared) -> int:
    return _default_trials(prep, ROUTE_TRIALS)


def _best_route(prep: _Prepared, dev: _Device, l2p0: list[int], seed: int, trials: int | None):
    """The best of `trials` routings from `l2p0`: (key, events, swaps, final l2p)."""
    if trials is None:
        trials = _default_route_trials(prep)
    rng = random.Random(seed)
    D, nptr, nidx, diam = dev.core_args()
    a_l2p = np.array(l2p0, dtype=np.int64)
    best = None
    for t in range(max(1, trials)):
        tseed = rng.getrandbits(32)
        bonus = float(ROUTE_BONUSES[t % len(ROUTE_BONUSES)])
        total, depth, nsw, events, final = core.route_trial(
            prep.a_gates, *prep.a_succ, prep.a_npred, prep.a_cost, a_l2p, D, nptr, nidx, diam, tseed, bonus)
        key = (int(total), int(depth), int(nsw), t)
        if best is None or key < best[0]:
            best = (key, events, int(nsw), final)
    key, events, nsw, final = best
    return key, [int(e) for e in events], nsw, [int(p) for p in final]


def sabre_route(circ: Circuit, coupling: nx.Graph, placement: dict[int, int], seed: int = 0,
                trials: int | None = None) -> tuple[Circuit, dict[int, int], int]:
    """Route `circ` from `placement` (logical index -> physical qubit; a subset of the device
    is fine, the other qubits serve as SWAP intermediaries). Returns the routed circuit on
    `Node(p)` qubits with explicit SWAP gates, the final map (logical -> physical) and the
    number of SWAPs. Several routings with different tie-breaks and merge bonuses are tried
    (`trials`; by default ROUTE_TRIALS = 24, fewer as two-qubit gates x qubits grows past
    TRIAL_WORK = 100,000, never fewer than 8) and the one with the
    fewest two-qubit gates after KAK merging (then the smallest two-qubit depth) kept. With the
    same `seed`, this is the routing `sabre_layout` scored its finalists with."""
    prep = _Prepared(circ)
    dev = _device(coupling)
    n, _N = prep.n, dev.N
    missing = [q for q in range(n) if q not in placement]
    if missing:
        raise ValueError(f"sabre: the placement has no physical qubit for logical qubit(s) {missing[:5]}")
    bad = [p for p in placement.values() if p not in dev.index]
    if bad:
        raise ValueError(f"sabre: the placement names qubit(s) {bad[:5]} that the coupling graph lacks")
    l2p0 = [dev.index[placement[q]] for q in range(n)]
    if len(set(l2p0)) != n:
        raise ValueError("sabre: the placement puts two logical qubits on one physical qubit")
    _, events, nsw, final = _best_route(prep, dev, l2p0, seed, trials)
    out = _emit(prep, dev, l2p0, events)
    return out, {q: dev.labels[p] for q, p in enumerate(final)}, nsw


def _emit(prep: _Prepared, dev: _Device, l2p0: list[int], events: list[int]) -> Circuit:
    N = dev.N
    labels = dev.labels
    circ = prep.circ
    used = set(l2p0)
    for e in events:
        if e < 0:
            x, y = divmod(-1 - e, N)
            used.add(x)
            used.add(y)
    out = Circuit()
    for p in sorted(used, key=lambda p: labels[p]):
        out.add_qubit(Node(labels[p]))
    for b in circ.bits:
        out.add_bit(b)
    out.add_phase(circ.phase)
    for op in prep.phase_ops:
        if op.type == OpType.Phase:
            out.add_phase(op.params[0])
    nodes = [Node(lab) for lab in labels]
    l2p = list(l2p0)
    p2l = [-1] * N
    for q, p in enumerate(l2p):
        p2l[p] = q
    done = [False] * len(prep.cmds)
    cmds = prep.cmds
    qubits = prep.qubits
    preds = prep.preds

    def put(k):
        cmd = cmds[k]
        args = [nodes[l2p[q]] for q in qubits[k]] + list(cmd.bits)
        out.add_gate(cmd.op, args)
        done[k] = True

    for e in events:
        if e < 0:
            x, y = divmod(-1 - e, N)
            out.add_gate(OpType.SWAP, [nodes[x], nodes[y]])
            u, v = p2l[x], p2l[y]
            p2l[x], p2l[y] = v, u
            if u >= 0:
                l2p[u] = y
            if v >= 0:
                l2p[v] = x
            continue
        k = prep.two[e]
        # pending ancestors (one-qubit commands only: two-qubit ones have run), in program order
        pending = []
        stack = [p for p in preds[k] if not done[p]]
        seen = set(stack)
        while stack:
            j = stack.pop()
            pending.append(j)
            for p in preds[j]:
                if not done[p] and p not in seen:
                    seen.add(p)
                    stack.append(p)
        for j in sorted(pending):
            assert len(qubits[j]) == 1, "sabre: internal error, a two-qubit gate ran out of order"
            put(j)
        a, b = qubits[k]
        assert dev.D[l2p[a]][l2p[b]] == 1, "sabre: internal error, a gate on an uncoupled pair"
        put(k)
    for k in range(len(cmds)):
        if not done[k]:
            put(k)
    return out
