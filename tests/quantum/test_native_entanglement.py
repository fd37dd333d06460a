"""`entangle=native*`: the ansatz's pairs come from the target's couplers, so the block needs no
routing at all there; the choice is reported, and without a target the words mean line, ring and
full."""

import os

import networkx as nx
import numpy as np
import pytest

import qml_compiler as qc
from qml_compiler.diagnostics import QubitError

SOURCE = """
model nat {{
    input x[2];
    output y[1];
    quantum circuit(x[2]) on q[{n}] {{
        param theta[2, {n}, 2];
        for i in range({n}) {{ ry(x[i % 2]) q[i]; }}
        hardware_efficient(theta, layers=2, entangle={kind});
        readout expval(Z[0] * Z[{last}]);
    }}
    forward {{ y = circuit(x); }}
}}
"""


@pytest.fixture(autouse=True)
def no_disk_cache(monkeypatch):
    monkeypatch.setenv("QMLC_NO_CACHE", "1")


def model(kind, n=8, **kw):
    return qc.compile(SOURCE.format(n=n, kind=kind, last=n - 1), **kw)


def block_report(cm):
    return cm.report["quantum"]["targets"][0]["blocks"][0]


@pytest.mark.parametrize("kind", ["native", "native_ring", "native_all"])
@pytest.mark.parametrize("target", ["heavy-hex-27", "heavy-hex-127", "grid-3x4", "line-9"])
def test_native_entanglement_needs_no_swap(kind, target):
    cm = model(kind, target=target, verify=True, opt_level=1)
    b = block_report(cm)
    assert b["swaps"] == 0 and b["routing_overhead"] <= 0 and b["placement"] == "native"
    assert b["verification"]["checked"]
    (choice,) = b["native_entanglement"]
    assert choice["target"] == target and len(choice["physical"]) == 8
    coupled = qc.quantum.get_target(target).graph()
    for a, c in choice["pairs"]:
        assert coupled.has_edge(choice["physical"][a], choice["physical"][c])


def test_a_ring_closes_where_the_device_has_a_cycle_and_says_so_where_not():
    grid = block_report(model("native_ring", target="grid-3x4", opt_level=1))["native_entanglement"][0]
    assert len(grid["pairs"]) == 8 and grid["note"] == ""
    hh = block_report(model("native_ring", target="heavy-hex-27", opt_level=1))["native_entanglement"][0]
    assert len(hh["pairs"]) == 7 and "ring is left open" in hh["note"]  # heavy-hex: no 8-cycle


def test_native_all_takes_every_coupler_of_a_compact_set():
    choice = block_report(model("native_all", target="grid-3x4", opt_level=1))["native_entanglement"][0]
    g = qc.quantum.get_target("grid-3x4").graph().subgraph(choice["physical"])
    assert nx.is_connected(g) and len(choice["pairs"]) == g.number_of_edges() >= 9


def test_without_a_target_the_words_mean_line_ring_and_full():
    x = np.random.default_rng(0).uniform(-1, 1, (4, 2))
    for kind, ideal in [("native", "line"), ("native_ring", "ring"), ("native_all", "full")]:
        a, b = model(kind, n=5), model(ideal, n=5)
        p = a.init_params(seed=1)
        np.testing.assert_allclose(a.forward(x, p)["y"], b.forward(x, p)["y"], atol=1e-14)


def test_a_trained_native_model_runs_what_the_target_runs():
    cm = model("native_ring", target="grid-3x4", opt_level=1)
    logical = model("native_ring", target="grid-3x4", opt_level=1, execute="logical")
    p = cm.init_params(seed=2)
    x = np.random.default_rng(1).uniform(-1, 1, (5, 2))
    np.testing.assert_allclose(cm.forward(x, p)["y"], logical.forward(x, p)["y"], atol=1e-12)


def test_impossible_native_entanglement_is_a_located_error():
    with pytest.raises(QubitError, match="needs 12 qubits for `native` entanglement, but target `line-9` has 9"):
        model("native", n=12, target="line-9")
    with pytest.raises(QubitError, match="found no path of 8 coupled qubits") as e:
        model("native", target=os.path.join(os.path.dirname(__file__), "star.json"))
    assert "native_all" in e.value.hint


def test_cli_reports_the_chosen_pairs(tmp_path):
    import subprocess
    import sys
    path = tmp_path / "nat.qml"
    path.write_text(SOURCE.format(n=6, kind="native_ring", last=5))
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    r = subprocess.run([sys.executable, "-m", "qml_compiler.cli", "compile", str(path), "--target",
                        "grid-2x3,heavy-hex-27", "-O1"], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=root, QMLC_NO_CACHE="1"), check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("native entanglement (native_ring)") == 2
    assert "ring is left open" in r.stdout  # heavy-hex has no 6-cycle; the 2x3 grid has one
