"""SABRE layout and routing (`qml_compiler.quantum.sabre`): the routed circuit computes the logical
one (statevectors with symbols bound, logical qubit i read on physical final[i]), keeps every
two-qubit gate on a coupled pair, and is the same for the same seed."""

import random

import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType
from pytket.circuit import Node

from qml_compiler.quantum.equivalence import bind, placed_state, statevector
from qml_compiler.quantum.sabre import sabre_layout, sabre_route

ONE_Q = [OpType.H, OpType.X, OpType.S, OpType.T, OpType.SX]
ONE_Q_ROT = [OpType.Rx, OpType.Ry, OpType.Rz]
TWO_Q = [OpType.CX, OpType.CZ, OpType.CY, OpType.CH, OpType.SWAP]
TWO_Q_ROT = [OpType.CRz, OpType.CU1, OpType.ZZPhase, OpType.XXPhase, OpType.CRx]


def line(n):
    return nx.path_graph(n)


def heavy_hex_cell():
    """A 12-cycle with two pendant qubits: heavy-hex in miniature (14 qubits)."""
    g = nx.cycle_graph(12)
    g.add_edge(0, 12)
    g.add_edge(6, 13)
    return g


DEVICES = {"line-6": line(6), "grid-2x4": nx.convert_node_labels_to_integers(nx.grid_2d_graph(2, 4)),
           "star-ish": nx.Graph([(0, 1), (1, 2), (2, 3), (1, 4), (4, 5), (5, 6)]),
           "cell": heavy_hex_cell()}


def random_circuit(n, gates, seed, symbols=True):
    rng = random.Random(seed)
    c = Circuit(n)
    syms = [sympy.Symbol(f"t{k}") for k in range(3)]
    for _ in range(gates):
        r = rng.random()
        angle = rng.choice(syms) * rng.uniform(0.5, 2) if symbols and rng.random() < 0.4 else rng.uniform(0, 2)
        if r < 0.3 or n < 2:
            c.add_gate(rng.choice(ONE_Q), [rng.randrange(n)])
        elif r < 0.5:
            c.add_gate(rng.choice(ONE_Q_ROT), [angle], [rng.randrange(n)])
        elif r < 0.8:
            a, b = rng.sample(range(n), 2)
            c.add_gate(rng.choice(TWO_Q), [a, b])
        else:
            a, b = rng.sample(range(n), 2)
            c.add_gate(rng.choice(TWO_Q_ROT), [angle], [a, b])
    return c


def assert_routed(logical, routed, coupling, placement, final, seed=0):
    """Coupled pairs only, every original gate kept, and the same state up to placement."""
    for cmd in routed.get_commands():
        if len(cmd.qubits) == 2:
            a, b = (q.index[0] for q in cmd.qubits)
            assert coupling.has_edge(a, b), f"{cmd} on an uncoupled pair"
        assert cmd.op.type == OpType.SWAP or len(cmd.qubits) <= 2
    assert all(Node(p) in routed.qubits for p in placement.values())
    logical_counts = {}
    for cmd in logical.get_commands():
        logical_counts[cmd.op.type] = logical_counts.get(cmd.op.type, 0) + 1
    routed_counts = {}
    for cmd in routed.get_commands():
        routed_counts[cmd.op.type] = routed_counts.get(cmd.op.type, 0) + 1
    swaps_added = routed_counts.get(OpType.SWAP, 0) - logical_counts.get(OpType.SWAP, 0)
    assert swaps_added >= 0
    for t, k in logical_counts.items():
        assert routed_counts.get(t, 0) == k + (swaps_added if t == OpType.SWAP else 0), t
    assert set(routed.free_symbols()) == set(logical.free_symbols())
    rng = np.random.default_rng(seed)
    values = {s: float(rng.uniform(-2, 2)) for s in logical.free_symbols()}
    physical = sorted(q.index[0] for q in routed.qubits)
    want = placed_state(statevector(bind(logical, values)), logical.n_qubits, final, physical)
    got = statevector(bind(routed, values))
    assert abs(np.vdot(want, got)) == pytest.approx(1.0, abs=1e-8)


@pytest.mark.parametrize("device", sorted(DEVICES))
@pytest.mark.parametrize("seed", range(4))
def test_random_circuits_route_equivalently(device, seed):
    coupling = DEVICES[device]
    n = min(5, coupling.number_of_nodes())
    logical = random_circuit(n, 40, seed)
    placement = sabre_layout(logical, coupling, seed=seed, trials=4, iterations=2)
    assert sorted(placement) == list(range(n)) and len(set(placement.values())) == n
    assert set(placement.values()) <= set(coupling.nodes)
    routed, final, swaps = sabre_route(logical, coupling, placement, seed=seed)
    assert swaps == routed.n_gates_of_type(OpType.SWAP) - logical.n_gates_of_type(OpType.SWAP)
    assert_routed(logical, routed, coupling, placement, final, seed)


def test_placement_on_a_subset_uses_free_qubits_and_keeps_idle_ones():
    coupling = heavy_hex_cell()
    c = Circuit(4)
    c.CX(0, 1).CX(1, 2).CX(2, 0).CZ(0, 3).H(3).CX(3, 1)
    c.add_qubit(c.qubits[0].__class__("q", 4))  # an idle logical qubit
    placement = {0: 0, 1: 4, 2: 8, 3: 12, 4: 13}
    routed, final, swaps = sabre_route(c, coupling, placement, seed=1)
    assert swaps > 0
    assert Node(13) in routed.qubits and final[4] == 13
    assert_routed(c, routed, coupling, placement, final)


def test_chain_on_a_line_needs_no_swaps():
    n = 8
    c = Circuit(n)
    for layer in range(3):
        for i in range(n):
            c.Ry(0.1 * (i + layer), i)
        for i in range(n - 1):
            c.CX(i, i + 1)
    coupling = line(n)
    routed, final, swaps = sabre_route(c, coupling, {i: i for i in range(n)})
    assert swaps == 0 and final == {i: i for i in range(n)}
    placement = sabre_layout(c, coupling, seed=3)
    routed, final, swaps = sabre_route(c, coupling, placement)
    assert swaps == 0
    assert_routed(c, routed, coupling, placement, final)


def test_ring_on_a_twelve_cycle_is_placed_without_swaps():
    c = Circuit(12)
    for i in range(12):
        c.CX(i, (i + 1) % 12)
    coupling = heavy_hex_cell()
    placement = sabre_layout(c, coupling)
    _routed, _final, swaps = sabre_route(c, coupling, placement)
    assert swaps == 0


def test_same_seed_same_result():
    logical = random_circuit(6, 60, 11)
    coupling = DEVICES["grid-2x4"]
    runs = []
    for _ in range(2):
        placement = sabre_layout(logical, coupling, seed=5, trials=4)
        routed, final, swaps = sabre_route(logical, coupling, placement, seed=5)
        runs.append((placement, [str(cmd) for cmd in routed.get_commands()], final, swaps))
    assert runs[0] == runs[1]


def test_commuting_gates_may_reorder_but_stay_equivalent():
    # QAOA-like: every ZZPhase commutes with the others; a Deutsch-Jozsa fan-in: every CX
    # shares the target. The router may run them in any order.
    c = Circuit(6)
    for i in range(6):
        c.H(i)
    for a, b in [(0, 3), (1, 4), (2, 5), (0, 5), (1, 3), (2, 4)]:
        c.ZZPhase(sympy.Symbol("g"), a, b)
    for i in range(5):
        c.CX(i, 5)
    for i in range(6):
        c.Rx(0.3, i)
    coupling = line(6)
    placement = sabre_layout(c, coupling, seed=2)
    routed, final, _swaps = sabre_route(c, coupling, placement, seed=2)
    assert_routed(c, routed, coupling, placement, final)


def test_three_qubit_gates_are_refused():
    c = Circuit(3).CCX(0, 1, 2)
    with pytest.raises(ValueError, match="three or more qubits"):
        sabre_layout(c, line(3))
    with pytest.raises(ValueError, match="three or more qubits"):
        sabre_route(c, line(3), {0: 0, 1: 1, 2: 2})


def test_bad_placements_are_refused():
    c = Circuit(2).CX(0, 1)
    with pytest.raises(ValueError, match="no physical qubit"):
        sabre_route(c, line(3), {0: 0})
    with pytest.raises(ValueError, match="lacks"):
        sabre_route(c, line(3), {0: 0, 1: 7})
    with pytest.raises(ValueError, match="not connected"):
        sabre_route(c, nx.Graph([(0, 1), (2, 3)]), {0: 0, 1: 3})


def test_measurements_and_no_two_qubit_gates():
    c = Circuit(3, 3)
    c.H(0).Rz(0.25, 1)
    c.Measure(0, 0)
    placement = sabre_layout(c, line(5))
    routed, _final, swaps = sabre_route(c, line(5), placement)
    assert swaps == 0 and routed.n_gates == c.n_gates and len(routed.bits) == 3


@st.composite
def circuits(draw):
    n = draw(st.integers(2, 5))
    gates = draw(st.lists(st.tuples(st.sampled_from(ONE_Q + ONE_Q_ROT + TWO_Q + TWO_Q_ROT),
                                    st.integers(0, n - 1), st.integers(1, n - 1),
                                    st.floats(-2, 2, allow_nan=False)), max_size=25))
    c = Circuit(n)
    t = sympy.Symbol("theta")
    for k, (op, a, d, angle) in enumerate(gates):
        b = (a + d) % n
        params = [angle if k % 3 else t * angle] if op in ONE_Q_ROT + TWO_Q_ROT else []
        qs = [a, b] if op in TWO_Q + TWO_Q_ROT else [a]
        c.add_gate(op, params, qs)
    return c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(), st.sampled_from(sorted(DEVICES)), st.integers(0, 3))
def test_hypothesis_circuits_route_equivalently(logical, device, seed):
    coupling = DEVICES[device]
    placement = sabre_layout(logical, coupling, seed=seed, trials=2, iterations=1)
    routed, final, _swaps = sabre_route(logical, coupling, placement, seed=seed)
    assert_routed(logical, routed, coupling, placement, final, seed)


# --- the compiled core (sabre_core.py) ------------------------------------------------------------

@st.composite
def devices(draw):
    """A random connected coupling graph of 5..10 qubits (a random tree plus a few extra edges),
    labelled with non-contiguous integers so that index/label mix-ups show."""
    N = draw(st.integers(5, 10))
    edges = set()
    for v in range(1, N):
        u = draw(st.integers(0, v - 1))
        edges.add((u, v))
    for _ in range(draw(st.integers(0, 3))):
        a, b = draw(st.integers(0, N - 1)), draw(st.integers(0, N - 1))
        if a != b:
            edges.add((min(a, b), max(a, b)))
    return nx.Graph([(3 * a + 1, 3 * b + 1) for a, b in edges])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(devices(), st.integers(0, 10**6), st.integers(0, 2**31))
def test_hypothesis_random_devices_route_equivalently(coupling, circuit_seed, seed):
    """Random circuits on random coupling graphs: every two-qubit gate on a coupler, every
    original gate kept, the same statevector up to the final placement; and the same again for
    the same seed."""
    N = coupling.number_of_nodes()
    n = min(N, 3 + circuit_seed % 4)
    logical = random_circuit(n, 30, circuit_seed)
    placement = sabre_layout(logical, coupling, seed=seed, trials=3, iterations=1)
    routed, final, swaps = sabre_route(logical, coupling, placement, seed=seed, trials=3)
    assert swaps == routed.n_gates_of_type(OpType.SWAP) - logical.n_gates_of_type(OpType.SWAP)
    assert_routed(logical, routed, coupling, placement, final, circuit_seed % 7)
    again = sabre_route(logical, coupling, sabre_layout(logical, coupling, seed=seed, trials=3, iterations=1),
                        seed=seed, trials=3)
    assert [str(c) for c in again[0].get_commands()] == [str(c) for c in routed.get_commands()]
    assert again[1:] == (final, swaps)


def test_larger_routing_respects_the_coupling_map():
    """27 qubits on a heavy-hex-like graph (no statevector): couplers only, gates kept."""
    from qml_compiler.quantum.targets import get_target

    coupling = get_target("heavy-hex-27").graph()
    logical = random_circuit(20, 400, 3, symbols=False)
    placement = sabre_layout(logical, coupling, seed=1)
    routed, final, swaps = sabre_route(logical, coupling, placement, seed=1)
    assert swaps > 0 and sorted(final) == list(range(20)) and len(set(final.values())) == 20
    for cmd in routed.get_commands():
        if len(cmd.qubits) == 2:
            a, b = (q.index[0] for q in cmd.qubits)
            assert coupling.has_edge(a, b)
    for t in {cmd.op.type for cmd in logical.get_commands()} - {OpType.SWAP}:
        assert routed.n_gates_of_type(t) == logical.n_gates_of_type(t)


_DETERMINISM_SCRIPT = """
import json, random, sys
sys.path.insert(0, {tests!r})
from test_sabre import random_circuit
from qml_compiler.quantum.targets import get_target
from qml_compiler.quantum.sabre import sabre_layout, sabre_route
coupling = get_target("heavy-hex-27").graph()
logical = random_circuit(16, 200, 5, symbols=False)
placement = sabre_layout(logical, coupling, seed=7)
routed, final, swaps = sabre_route(logical, coupling, placement, seed=7)
print(json.dumps([sorted(placement.items()), sorted(final.items()), swaps,
                  [str(c) for c in routed.get_commands()]]))
"""


def test_same_seed_same_result_across_processes():
    """No dependence on hash order, addresses or wall-clock time: two processes with different
    hash seeds give the same layout and routing (the generator is our own, seeded per trial)."""
    import json
    import os
    import subprocess
    import sys

    script = _DETERMINISM_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__)))
    outs = []
    for hash_seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600,
                           check=False)
        assert r.returncode == 0, r.stderr[-2000:]
        outs.append(json.loads(r.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1]


def test_layout_ignores_the_time_budget():
    """A fixed number of trials: the result does not depend on `budget_s` (or machine load)."""
    from qml_compiler.quantum.targets import get_target

    coupling = get_target("heavy-hex-27").graph()
    logical = random_circuit(12, 150, 9, symbols=False)
    a = sabre_layout(logical, coupling, seed=3, trials=6)
    b = sabre_layout(logical, coupling, seed=3, trials=6, budget_s=0.0)
    assert a == b


def test_different_seeds_explore_different_routings():
    from qml_compiler.quantum.targets import get_target

    coupling = get_target("heavy-hex-27").graph()
    logical = random_circuit(14, 200, 2, symbols=False)
    placement = sabre_layout(logical, coupling, seed=0, trials=4)
    routings = {tuple(str(c) for c in sabre_route(logical, coupling, placement, seed=s, trials=1)[0].get_commands())
                for s in range(6)}
    assert len(routings) > 1


def test_core_generator_is_the_documented_lehmer_sequence():
    """The tie-break generator is MINSTD (48271, 2^31 - 1): the same numbers on every machine."""
    from qml_compiler.quantum import sabre_core as core

    rng = np.array([core.seed_state(0)], dtype=np.int64)
    got = [int(core._next(rng)) for _ in range(3)]
    s, want = 1, []
    for _ in range(3):
        s = s * 48271 % (2**31 - 1)
        want.append(s)
    assert got == want


def test_estimate_counts_merged_runs():
    """The KAK-aware estimate: a SWAP after a CX on the same pair costs 3 in all (one block),
    not 4; depth follows the blocks."""
    from qml_compiler.quantum import sabre_core as core

    gates = np.array([[0, 1], [1, 2]], dtype=np.int64)
    cost = np.array([1, 1], dtype=np.int64)
    l2p = np.array([0, 1, 2], dtype=np.int64)
    N = 3
    swap01 = -1 - (0 * N + 1)
    # CX(0, 1), SWAP(0, 1), then gate 1 (logical 1, 2): logical 1 now sits on physical 0, so it
    # runs on (0, 2), a new block
    events = np.array([0, swap01, 1], dtype=np.int64)
    total, depth = core.estimate(events, gates, cost, l2p, N)
    assert total == 3 + 1 and depth == 4


def test_perfect_layout_search_finds_a_long_ring():
    """The compiled depth-first search embeds a 30-qubit ring into a 30-cycle with pendant qubits
    (the pendants are decoys: every pendant is a dead end for the ring)."""
    coupling = nx.cycle_graph(30)
    for i in range(0, 30, 3):
        coupling.add_edge(i, 30 + i // 3)
    n = 30
    c = Circuit(n)
    for i in range(n):
        c.CX(i, (i + 1) % n)
    placement = sabre_layout(c, coupling, seed=0)
    _routed, _final, swaps = sabre_route(c, coupling, placement)
    assert swaps == 0


def _check_events(events, gates, succ, npred, l2p0, coupling_D, N):
    """Replay a routing: every gate exactly once, after all its predecessors, on a coupled pair;
    the final layout is the replayed one."""
    l2p = list(l2p0)
    p2l = [-1] * N
    for q, p in enumerate(l2p):
        p2l[p] = q
    left = list(npred)
    done = [False] * len(gates)
    for e in events:
        e = int(e)
        if e >= 0:
            assert not done[e] and left[e] == 0
            a, b = gates[e]
            assert coupling_D[l2p[a]][l2p[b]] == 1
            done[e] = True
            for s in succ[e]:
                left[s] -= 1
        else:
            x, y = divmod(-1 - e, N)
            assert x < y and coupling_D[x][y] == 1
            u, v = p2l[x], p2l[y]
            p2l[x], p2l[y] = v, u
            if u >= 0:
                l2p[u] = y
            if v >= 0:
                l2p[v] = x
    assert all(done)
    return l2p


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(devices(), st.integers(0, 10**6), st.integers(0, 2**31), st.sampled_from([0.0, 0.3, 1.0]))
def test_hypothesis_core_routes_both_directions_validly(coupling, circuit_seed, seed, bonus):
    """The compiled `route`, forward and on the reversed dependency graph (as the layout's
    bidirectional refinement uses it), from a random layout: valid events, right final layout,
    and the same events for the same generator seed."""
    from qml_compiler.quantum import sabre as sab
    from qml_compiler.quantum import sabre_core as core

    N = coupling.number_of_nodes()
    n = min(N, 3 + circuit_seed % 5)
    prep = sab._Prepared(random_circuit(n, 40, circuit_seed, symbols=False))
    dev = sab._device(coupling)
    rng = random.Random(circuit_seed)
    l2p0 = np.array(rng.sample(range(N), n), dtype=np.int64)
    D = [list(r) for r in dev.D]
    for succ, npred, ptr_idx, a_npred in (
            (prep.succ, [len(p) for p in prep.pred2], prep.a_succ, prep.a_npred),
            (prep.pred2, [len(s) for s in prep.succ], prep.a_bsucc, prep.a_bnpred)):
        runs = []
        for _ in range(2):
            events, nsw, final = core.route(prep.a_gates, *ptr_idx, a_npred, l2p0, *dev.core_args(),
                                            core.new_rng(seed), bonus)
            runs.append((list(events), int(nsw), list(final)))
        assert runs[0] == runs[1]
        events, nsw, final = runs[0]
        assert nsw == sum(1 for e in events if e < 0)
        assert _check_events(events, prep.gates, succ, npred, l2p0, D, N) == final
        total, depth = core.estimate(np.array(events, dtype=np.int64), prep.a_gates, prep.a_cost, l2p0, N)
        assert 0 <= depth <= total <= 3 * len(events)
