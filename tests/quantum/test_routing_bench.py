"""Smoke tests of the routing benchmark's circuit generators (benchmarks/routing_circuits.py).

Fast, and Qiskit-free: the generators build pytket circuits only."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("pytket")
BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))
try:
    import routing_circuits as rc
finally:
    sys.path.remove(str(BENCH))


@pytest.mark.parametrize("family", rc.FAMILIES)
def test_every_family_builds_with_numeric_angles(family):
    c = rc.build(family, 8)
    assert c.n_qubits == 8
    assert not c.free_symbols()
    assert rc.logical_two_qubit_count(c) > 0


def test_circuits_are_reproducible():
    for family in ("qaoa", "random", "hea_ring", "reupload", "dj"):
        assert rc.build(family, 9).get_commands() == rc.build(family, 9).get_commands()


def test_logical_counts():
    assert rc.logical_two_qubit_count(rc.ghz(16)) == 15
    assert rc.logical_two_qubit_count(rc.hea(8, "ring")) == 24  # the anchors' CNOT-ring ansatz
    assert rc.logical_two_qubit_count(rc.hea(8, "full")) == 3 * 28
    assert rc.logical_two_qubit_count(rc.reupload(27)) == 104  # the anchors' re-uploading chain
    assert rc.logical_two_qubit_count(rc.qft(4)) == 2 * 6 + 3 * 2  # 6 controlled phases, 2 SWAPs
    assert rc.logical_two_qubit_count(rc.qaoa(8)) == 2 * 2 * 12  # p = 2, 12 edges, 2 CX per ZZ
    g = rc.regular3(9, seed=9)
    assert g.number_of_nodes() == 9 and max(d for _, d in g.degree()) == 3


def test_native_counts():
    c = rc.ghz(5)
    got = rc.native_counts(c)
    assert got["two_qubit_gates"] == 4 and got["gates"] == 5 and got["depth"] == 5 and got["depth_2q"] == 4


def test_example_blocks_are_numeric():
    ex = rc.examples()
    assert "ex_moons_circuit" in ex and "ex_r3l_12q_last_circuit" in ex
    assert "ex_r3_12q_circuit" not in ex  # same gates as r3l: kept once
    for c in ex.values():
        assert not c.free_symbols() and c.n_2qb_gates() > 0
