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
