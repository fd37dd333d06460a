"""The compiled core of SABRE (`sabre.py`): the routing loop with its scoring (front and
extended-set distances, decay, merge bonus, release valve), the KAK-aware estimate and the
perfect-layout depth-first search, as numba functions on plain integer arrays. `layout_trial`
(bidirectional refinement) and `route_trial` are thin Python loops over the compiled `route`
and `estimate` (fewer compiled entry points: a shorter first compile, same speed).

Data layout (all int64 unless said):

- `gates` (G, 2): the logical qubits of each two-qubit gate; `succ_ptr`/`succ_idx`: CSR of each
  gate's successors in the dependency graph; `npred`: how many predecessors each gate has. The
  backward pass of the layout refinement uses the predecessor lists as successors.
- `D` (N, N): coupling-graph distances; `nbr_ptr`/`nbr_idx`: CSR of each physical qubit's
  neighbours (sorted).
- `l2p` (n,): logical -> physical index.
- Events: gate ids (>= 0) in execution order, SWAPs as -1 - (x * N + y) with x < y.

Randomness: ties between equally scored SWAPs are broken by a Lehmer generator (MINSTD,
multiplier 48271, modulus 2^31 - 1) seeded per call, so a given input and seed give the same
result on every run and machine. Compiled with `cache=True`: the first process on a machine pays
the compilation (~10 s), later ones load it from the cache (under a second).
"""

from __future__ import annotations

import numba
import numpy as np

EXTENDED_SET_SIZE = 20
EXTENDED_SET_WEIGHT = 0.5
DECAY_RATE = 0.001
DECAY_RESET_INTERVAL = 5
_MOD = 2147483647


def _jit(fn):
    try:
        return numba.njit(cache=True)(fn)
    except RuntimeError:  # pragma: no cover - no writable cache directory
        return numba.njit(cache=False)(fn)


def seed_state(seed: int) -> int:
    """A generator state in [1, 2^31 - 2] from any integer seed."""
    return int(seed) % (_MOD - 1) + 1


@_jit
def _next(rng):
    s = (rng[0] * 48271) % _MOD
    rng[0] = s
    return s


@_jit
def _execute(stack, ns, gates, succ_ptr, succ_idx, npred, l2p, D, events, ne, last_pair, front, nf):
    """Run every ready gate on `stack[:ns]` whose qubits are coupled, cascading to successors;
    the others join the front. Returns (events used, front size)."""
    while ns > 0:
        ns -= 1
        g = stack[ns]
        pa = l2p[gates[g, 0]]
        pb = l2p[gates[g, 1]]
        if D[pa, pb] == 1:
            events[ne] = g
            ne += 1
            last_pair[pa] = pb
            last_pair[pb] = pa
            for k in range(succ_ptr[g], succ_ptr[g + 1]):
                s = succ_idx[k]
                npred[s] -= 1
                if npred[s] == 0:
                    stack[ns] = s
                    ns += 1
        else:
            front[nf] = g
            nf += 1
    return ne, nf


@_jit
def _successors(front, nf, succ_ptr, succ_idx, seen, stamp, queue, out):
    """Up to EXTENDED_SET_SIZE gates after the front, breadth-first; returns how many."""
    for i in range(nf):
        seen[front[i]] = stamp
        queue[i] = front[i]
    head = 0
    tail = nf
    m = 0
    while head < tail and m < EXTENDED_SET_SIZE:
        g = queue[head]
        head += 1
        for k in range(succ_ptr[g], succ_ptr[g + 1]):
            s = succ_idx[k]
            if seen[s] == stamp:
                continue
            seen[s] = stamp
            queue[tail] = s
            tail += 1
            out[m] = s
            m += 1
            if m >= EXTENDED_SET_SIZE:
                break
    return m


@_jit
def _swap(x, y, l2p, p2l):
    u = p2l[x]
    v = p2l[y]
    p2l[x] = v
    p2l[y] = u
    if u >= 0:
        l2p[u] = y
    if v >= 0:
        l2p[v] = x


@_jit
def _path(src, dst, nbr_ptr, nbr_idx, N):
    """A shortest path src -> dst (breadth-first, neighbours in index order)."""
    parent = np.full(N, -1, np.int64)
    queue = np.empty(N, np.int64)
    parent[src] = src
    queue[0] = src
    head = 0
    tail = 1
    while head < tail:
        u = queue[head]
        head += 1
        if u == dst:
            break
        for k in range(nbr_ptr[u], nbr_ptr[u + 1]):
            v = nbr_idx[k]
            if parent[v] < 0:
                parent[v] = u
                queue[tail] = v
                tail += 1
    length = 1
    u = dst
    while u != src:
        u = parent[u]
        length += 1
    path = np.empty(length, np.int64)
    u = dst
    for i in range(length - 1, -1, -1):
        path[i] = u
        u = parent[u]
    return path


@_jit
def route(gates, succ_ptr, succ_idx, npred0, l2p0, D, nbr_ptr, nbr_idx, diameter, rng, merge_bonus):
    """Route the two-qubit dependency graph from `l2p0`. Returns (events, swaps, final l2p);
    `rng` (int64[1]) is the generator state, advanced in place."""
    G = gates.shape[0]
    N = D.shape[0]
    n = l2p0.shape[0]
    l2p = l2p0.copy()
    p2l = np.full(N, -1, np.int64)
    for q in range(n):
        p2l[l2p[q]] = q
    npred = npred0.copy()
    cap = 2 * G + 4 * N + 64
    events = np.empty(cap, np.int64)
    # counters passed to helpers are np.int64, not literal 0s: one compiled version of each helper
    ne = np.int64(0)
    nswaps = 0
    decay = np.ones(N)
    last_pair = np.full(N, -1, np.int64)
    front = np.empty(G + 1, np.int64)
    nf = np.int64(0)
    stack = np.empty(G + 1, np.int64)
    valve_limit = 5 * diameter + 10
    # work arrays
    seen = np.zeros(G + 1, np.int64)
    queue = np.empty(G + 1, np.int64)
    succ_list = np.empty(EXTENDED_SET_SIZE, np.int64)
    qmark = np.zeros(n, np.int64)
    fpart = np.full(n, -1, np.int64)
    fmark = np.zeros(n, np.int64)
    active = np.empty(G + 1, np.int64)
    inactive = np.empty(G + 1, np.int64)
    keys = np.empty(G + 1, np.int64)
    ext_a = np.empty(EXTENDED_SET_SIZE, np.int64)
    ext_b = np.empty(EXTENDED_SET_SIZE, np.int64)
    max_deg = 0
    for p in range(N):
        max_deg = max(max_deg, nbr_ptr[p + 1] - nbr_ptr[p])
    cands = np.empty(n * max(1, max_deg) + 1, np.int64)
    bests = np.empty(cands.shape[0], np.int64)
    cmark = np.zeros(N * N, np.int64)
    bucket = np.zeros(diameter + 2, np.int64)
    dist = np.empty(G + 1, np.int64)
    emark = np.zeros(n, np.int64)
    ecnt = np.zeros(n, np.int64)
    elist = np.empty((n, EXTENDED_SET_SIZE), np.int64)
    swaps_since = np.empty(cap, np.int64)
    nsince = 0
    stamp = np.int64(0)

    ns = np.int64(0)
    for g in range(G - 1, -1, -1):
        if npred[g] == 0:
            stack[ns] = g
            ns += 1
    ne, nf = _execute(stack, ns, gates, succ_ptr, succ_idx, npred, l2p, D, events, ne, last_pair, front, nf)
    stamp += 1
    nsucc = _successors(front, nf, succ_ptr, succ_idx, seen, stamp, queue, succ_list)
    nreset = 0
    while nf > 0:
        if ne + G + N + 4 > cap:
            cap2 = 2 * cap + N
            ev2 = np.empty(cap2, np.int64)
            ev2[:ne] = events[:ne]
            events = ev2
            ss2 = np.empty(cap2, np.int64)
            ss2[:nsince] = swaps_since[:nsince]
            swaps_since = ss2
            cap = cap2
        stamp += 1
        # The active front: at most one gate per qubit, the closest first.
        shared = False
        if nf > 1:
            for i in range(nf):
                g = front[i]
                a = gates[g, 0]
                b = gates[g, 1]
                if qmark[a] == stamp or qmark[b] == stamp:
                    shared = True
                    break
                qmark[a] = stamp
                qmark[b] = stamp
        na = 0
        ni = 0
        if shared:
            stamp += 1
            # counting sort by distance, stable in front order
            bucket[:] = 0
            for i in range(nf):
                g = front[i]
                d = D[l2p[gates[g, 0]], l2p[gates[g, 1]]]
                dist[i] = d
                bucket[d + 1] += 1
            for d in range(diameter + 1):
                bucket[d + 1] += bucket[d]
            for i in range(nf):
                d = dist[i]
                keys[bucket[d]] = front[i]
                bucket[d] += 1
            for i in range(nf):
                g = keys[i]
                a = gates[g, 0]
                b = gates[g, 1]
                if qmark[a] == stamp or qmark[b] == stamp:
                    inactive[ni] = g
                    ni += 1
                else:
                    qmark[a] = stamp
                    qmark[b] = stamp
                    active[na] = g
                    na += 1
        else:
            for i in range(nf):
                active[i] = front[i]
            na = nf
        fsum = 0
        for i in range(na):
            g = active[i]
            a = gates[g, 0]
            b = gates[g, 1]
            fpart[a] = b
            fpart[b] = a
            fmark[a] = stamp
            fmark[b] = stamp
            fsum += D[l2p[a], l2p[b]]
        ext_n = 0
        for i in range(min(ni, EXTENDED_SET_SIZE)):
            ext_a[ext_n] = gates[inactive[i], 0]
            ext_b[ext_n] = gates[inactive[i], 1]
            ext_n += 1
        i = 0
        while ext_n < EXTENDED_SET_SIZE and i < nsucc:
            ext_a[ext_n] = gates[succ_list[i], 0]
            ext_b[ext_n] = gates[succ_list[i], 1]
            ext_n += 1
            i += 1
        esum = 0
        for i in range(ext_n):
            a = ext_a[i]
            b = ext_b[i]
            esum += D[l2p[a], l2p[b]]
            if emark[a] != stamp:
                emark[a] = stamp
                ecnt[a] = 0
            if emark[b] != stamp:
                emark[b] = stamp
                ecnt[b] = 0
            elist[a, ecnt[a]] = b
            ecnt[a] += 1
            elist[b, ecnt[b]] = a
            ecnt[b] += 1
        # candidate SWAPs: every coupler touching a qubit of an active gate
        nc = 0
        for i in range(na):
            g = active[i]
            for j in range(2):
                x = l2p[gates[g, j]]
                for k in range(nbr_ptr[x], nbr_ptr[x + 1]):
                    y = nbr_idx[k]
                    code = x * N + y if x < y else y * N + x
                    if cmark[code] != stamp:
                        cmark[code] = stamp
                        cands[nc] = code
                        nc += 1
        best = 0.0
        nb = 0
        for ci in range(nc):
            code = cands[ci]
            x = code // N
            y = code - x * N
            u = p2l[x]
            v = p2l[y]
            dF = 0
            dE = 0
            if u >= 0 and fmark[u] == stamp and fpart[u] != v:
                pw = l2p[fpart[u]]
                dF += D[y, pw] - D[x, pw]
            if v >= 0 and fmark[v] == stamp and fpart[v] != u:
                pw = l2p[fpart[v]]
                dF += D[x, pw] - D[y, pw]
            if u >= 0 and emark[u] == stamp:
                for e in range(ecnt[u]):
                    w = elist[u, e]
                    if w != v:
                        pw = l2p[w]
                        dE += D[y, pw] - D[x, pw]
            if v >= 0 and emark[v] == stamp:
                for e in range(ecnt[v]):
                    w = elist[v, e]
                    if w != u:
                        pw = l2p[w]
                        dE += D[x, pw] - D[y, pw]
            score = (fsum + dF) / na
            if ext_n > 0:
                score += EXTENDED_SET_WEIGHT * (esum + dE) / ext_n
            score *= max(decay[x], decay[y])
            if merge_bonus != 0.0 and last_pair[x] == y and last_pair[y] == x:
                score -= merge_bonus
            if nb == 0 or score < best - 1e-10:
                best = score
                bests[0] = code
                nb = 1
            elif score <= best + 1e-10:
                bests[nb] = code
                nb += 1
        code = bests[0] if nb == 1 else bests[_next(rng) % nb]
        x = code // N
        y = code - x * N
        u = p2l[x]
        v = p2l[y]
        _swap(x, y, l2p, p2l)
        events[ne] = -1 - code
        ne += 1
        last_pair[x] = -1
        last_pair[y] = -1
        nswaps += 1
        swaps_since[nsince] = code
        nsince += 1
        decay[x] += DECAY_RATE
        decay[y] += DECAY_RATE
        nreset += 1
        if nreset >= DECAY_RESET_INTERVAL:
            nreset = 0
            decay[:] = 1.0
        # front gates on u or v that may now run
        nr = np.int64(0)
        for i in range(nf):
            g = front[i]
            a = gates[g, 0]
            b = gates[g, 1]
            touched = (u >= 0 and (a == u or b == u)) or (v >= 0 and (a == v or b == v))
            if touched and D[l2p[a], l2p[b]] == 1:
                keys[nr] = g
                nr += 1
        if nr > 0:
            ne, nf, nsucc = _run_ready(keys, nr, front, nf, stack, gates, succ_ptr, succ_idx, npred, l2p, D,
                                       events, ne, last_pair, seen, stamp + 1, queue, succ_list)
            stamp += 1
            nsince = 0
            decay[:] = 1.0
            nreset = 0
        elif nsince > valve_limit:
            # Release valve: undo the SWAPs since the last gate ran, then walk the closest front
            # gate's qubits together along a shortest path.
            for i in range(nsince - 1, -1, -1):
                c = swaps_since[i]
                sx = c // N
                _swap(sx, c - sx * N, l2p, p2l)
                ne -= 1
                nswaps -= 1
            nsince = 0
            gbest = -1
            kbest = 0
            for i in range(nf):
                g = front[i]
                k = D[l2p[gates[g, 0]], l2p[gates[g, 1]]] * (G + 1) + g
                if gbest < 0 or k < kbest:
                    gbest = g
                    kbest = k
            path = _path(l2p[gates[gbest, 0]], l2p[gates[gbest, 1]], nbr_ptr, nbr_idx, N)
            L = path.shape[0]
            k = L - 2
            nh = (k + 1) // 2
            for i in range(k):
                if i < nh:
                    sx = path[i]
                    sy = path[i + 1]
                else:
                    j = i - nh
                    sx = path[L - 1 - j]
                    sy = path[L - 2 - j]
                _swap(sx, sy, l2p, p2l)
                events[ne] = -1 - (min(sx, sy) * N + max(sx, sy))
                ne += 1
                last_pair[sx] = -1
                last_pair[sy] = -1
                nswaps += 1
            nr = np.int64(0)
            for i in range(nf):
                g = front[i]
                if D[l2p[gates[g, 0]], l2p[gates[g, 1]]] == 1:
                    keys[nr] = g
                    nr += 1
            ne, nf, nsucc = _run_ready(keys, nr, front, nf, stack, gates, succ_ptr, succ_idx, npred, l2p, D,
                                       events, ne, last_pair, seen, stamp + 1, queue, succ_list)
            stamp += 1
            decay[:] = 1.0
            nreset = 0
    return events[:ne].copy(), nswaps, l2p


@_jit
def _run_ready(ready, nr, front, nf, stack, gates, succ_ptr, succ_idx, npred, l2p, D, events, ne, last_pair,
               seen, stamp, queue, succ_list):
    """Take `ready[:nr]` (in front order) out of the front, run them and what they release, and
    recompute the extended set. Returns (events used, front size, successors found)."""
    m = np.int64(0)
    j = 0
    for i in range(nf):
        g = front[i]
        if j < nr and ready[j] == g:
            j += 1
        else:
            front[m] = g
            m += 1
    nf = m
    for i in range(nr):
        stack[i] = ready[nr - 1 - i]
    ne, nf = _execute(stack, nr, gates, succ_ptr, succ_idx, npred, l2p, D, events, ne, last_pair, front, nf)
    nsucc = _successors(front, nf, succ_ptr, succ_idx, seen, stamp, queue, succ_list)
    return ne, nf, nsucc


@_jit
def estimate(events, gates, cost, l2p0, N):
    """(two-qubit gates after KAK, two-qubit depth) of a routing: each maximal run of two-qubit
    operations on one physical pair costs min(3, sum of their CX counts)."""
    n = l2p0.shape[0]
    l2p = l2p0.copy()
    p2l = np.full(N, -1, np.int64)
    for q in range(n):
        p2l[l2p[q]] = q
    blk_of = np.full(N, -1, np.int64)
    blk_cost = np.empty(events.shape[0] + 1, np.int64)
    nblk = 0
    level = np.zeros(N, np.int64)
    for i in range(events.shape[0]):
        e = events[i]
        if e >= 0:
            x = l2p[gates[e, 0]]
            y = l2p[gates[e, 1]]
            c = cost[e]
        else:
            e = -1 - e
            x = e // N
            y = e - x * N
            _swap(x, y, l2p, p2l)
            c = 3
        bx = blk_of[x]
        if bx >= 0 and bx == blk_of[y]:
            old = blk_cost[bx]
            new = old + c
            blk_cost[bx] = new
            add = min(3, new) - min(3, old)
            t = max(level[x], level[y]) + add
        else:
            blk_of[x] = nblk
            blk_of[y] = nblk
            blk_cost[nblk] = c
            nblk += 1
            t = max(level[x], level[y]) + min(3, c)
        level[x] = t
        level[y] = t
    total = 0
    for b in range(nblk):
        total += min(3, blk_cost[b])
    depth = 0
    for p in range(N):
        depth = max(depth, level[p])
    return total, depth


def new_rng(seed: int) -> np.ndarray:
    """The generator state for `route` (int64[1]), from `seed_state(seed)`."""
    return np.array([seed_state(seed)], dtype=np.int64)


def layout_trial(gates, succ_ptr, succ_idx, npred, bsucc_ptr, bsucc_idx, bnpred, cost, l2p0, D, nbr_ptr,
                 nbr_idx, diameter, seed, merge_bonus, iterations):
    """Bidirectional refinement from `l2p0` (`iterations` forward + backward passes), then one
    forward routing scored. Returns (estimated 2q gates, 2q depth, SWAPs, refined layout)."""
    rng = new_rng(seed)
    l2p = l2p0.copy()
    for _ in range(iterations):
        _ev, _ns, final = route(gates, succ_ptr, succ_idx, npred, l2p, D, nbr_ptr, nbr_idx, diameter, rng,
                                merge_bonus)
        _ev, _ns, l2p = route(gates, bsucc_ptr, bsucc_idx, bnpred, final, D, nbr_ptr, nbr_idx, diameter, rng,
                              merge_bonus)
    ev, nsw, _final = route(gates, succ_ptr, succ_idx, npred, l2p, D, nbr_ptr, nbr_idx, diameter, rng,
                            merge_bonus)
    total, depth = estimate(ev, gates, cost, l2p, D.shape[0])
    return total, depth, nsw, l2p


def route_trial(gates, succ_ptr, succ_idx, npred, cost, l2p0, D, nbr_ptr, nbr_idx, diameter, seed, merge_bonus):
    """One routing from `l2p0` and its estimate: (total, depth, swaps, events, final l2p)."""
    rng = new_rng(seed)
    ev, nsw, final = route(gates, succ_ptr, succ_idx, npred, l2p0, D, nbr_ptr, nbr_idx, diameter, rng,
                           merge_bonus)
    total, depth = estimate(ev, gates, cost, l2p0, D.shape[0])
    return total, depth, nsw, ev, final


@_jit
def perfect_layout(adj_ptr, adj_idx, order, D, nbr_ptr, nbr_idx, by_degree, max_steps):
    """A layout (logical -> physical, -1 for qubits not in `order`) putting every edge of the
    interaction graph (CSR `adj_ptr`/`adj_idx`) on a coupler: depth-first search over `order`,
    at most `max_steps` placements tried. Returns an empty array when none was found."""
    n = adj_ptr.shape[0] - 1
    N = D.shape[0]
    m = order.shape[0]
    l2p = np.full(n, -1, np.int64)
    used = np.zeros(N, np.bool_)
    pdeg = np.empty(N, np.int64)
    for p in range(N):
        pdeg[p] = nbr_ptr[p + 1] - nbr_ptr[p]
    cand = np.empty((m + 1, N), np.int64)
    ncand = np.zeros(m + 1, np.int64)
    pos = np.zeros(m + 1, np.int64)
    fail = np.empty(0, np.int64)

    i = 0
    entering = True
    steps = 0
    while True:
        if i == m:
            return l2p
        if i < 0:
            return fail
        q = order[i]
        if entering:
            steps += 1
            if steps > max_steps:
                return fail
            need = adj_ptr[q + 1] - adj_ptr[q]
            first = -1
            for k in range(adj_ptr[q], adj_ptr[q + 1]):
                w = adj_idx[k]
                if l2p[w] >= 0:
                    first = l2p[w]
                    break
            c = 0
            if first >= 0:
                for k in range(nbr_ptr[first], nbr_ptr[first + 1]):
                    p = nbr_idx[k]
                    if used[p] or pdeg[p] < need:
                        continue
                    ok = True
                    for kk in range(adj_ptr[q], adj_ptr[q + 1]):
                        r = l2p[adj_idx[kk]]
                        if r >= 0 and D[p, r] != 1:
                            ok = False
                            break
                    if ok:
                        cand[i, c] = p
                        c += 1
            else:
                for k in range(N):
                    p = by_degree[k]
                    if not used[p] and pdeg[p] >= need:
                        cand[i, c] = p
                        c += 1
            ncand[i] = c
            pos[i] = 0
            entering = False
        else:
            # undo this level's current choice
            p = l2p[q]
            if p >= 0:
                used[p] = False
                l2p[q] = -1
        if pos[i] < ncand[i]:
            p = cand[i, pos[i]]
            pos[i] += 1
            l2p[q] = p
            used[p] = True
            i += 1
            entering = True
        else:
            i -= 1
            entering = False
