"""The circuit drawer: exact text for small circuits, every gate we or pytket produce drawn without
failing, one wire row per qubit in every section, labels from a block's symbol table, and the
optional HTML and PNG renderings."""

import doctest
import itertools
import math
import textwrap
from pathlib import Path

import pytest
import sympy
from gate_samples import ALL_GATES, LABELS, PI, SHAPES, TH, X0, circuits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType
from pytket.circuit import CircBox

import qml_compiler.quantum.draw as draw_module
from qml_compiler.diagnostics import QmlError
from qml_compiler.frontend.model import InitSpec, ParamSpec
from qml_compiler.ir.nodes import QuantumBlock, SymbolRef
from qml_compiler.quantum.draw import (
    MissingExtra,
    draw_html,
    draw_png,
    draw_text,
    format_angle,
    symbol_labels,
)

ROOT = Path(__file__).resolve().parents[2]


def golden(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# ---- golden text ---------------------------------------------------------------------------------

def test_module_docstring_example_is_what_it_prints():
    assert doctest.testmod(draw_module).failed == 0


def test_rotations_symbols_and_a_symmetric_two_qubit_gate():
    c = Circuit(2).Ry(X0 / PI, 0).Rz(TH / PI + 0.5, 1).CZ(0, 1).Rx(1.5707963267949 * X0 / PI, 1)
    assert draw_text(c, LABELS, width=80) == golden("""
    q[0]: ───────Ry(x[0])────────●────────────────
                                 │
    q[1]: ─Rz(theta[1,1] + π/2)──●──Rx(π/2*x[0])──
    """)


def test_controls_swaps_barriers_and_ordered_two_qubit_gates():
    c = (Circuit(3).CX(0, 2).H(1).SWAP(0, 1).add_gate(OpType.CRz, [0.25], [2, 0]).CCX(0, 1, 2)
         .add_barrier([0, 1, 2]).add_gate(OpType.ZZPhase, [X0 / PI], [0, 2]).add_gate(OpType.ECR, [2, 1]))
    # The CX's connector crosses q[1], so H waits for the next column; ECR marks its operand order.
    assert draw_text(c, LABELS, width=80) == golden("""
    q[0]: ─●─────×──Rz(π/4)──●──░──ZZPhase(x[0])────────
           │     │     │     │  ░        │
    q[1]: ─┼──H──×─────┼─────●──░────────┼────────ECR₁──
           │           │     │  ░        │          │
    q[2]: ─⊕───────────●─────⊕──░──ZZPhase(x[0])──ECR₀──
    """)


def test_measurement_conditional_and_global_phase():
    c = Circuit(2, 1).H(0).Measure(0, 0)
    c.X(1, condition_bits=[0], condition_value=1)
    c.add_phase(0.5)
    # The conditional X reads the bit the measurement writes: it comes after it, on another wire.
    assert draw_text(c, width=80) == golden("""
    global phase: π/2
    q[0]: ─H──M→c[0]────────────

    q[1]: ────────────X?c[0]=1──
    """)


def test_long_circuits_wrap_into_sections_that_fit():
    c = Circuit(2)
    for i in range(6):
        c.Rx(0.1 * (i + 1), 0).CX(0, 1)
    out = draw_text(c, width=40)
    assert out == golden("""
    q[0]: ─Rx(π/10)──●──Rx(π/5)──●──
                     │           │
    q[1]: ───────────⊕───────────⊕──

    q[0]: ─Rx(3π/10)──●──Rx(2π/5)──●──
                      │            │
    q[1]: ────────────⊕────────────⊕──

    q[0]: ─Rx(π/2)──●──Rx(3π/5)──●──
                    │            │
    q[1]: ──────────⊕────────────⊕──
    """)
    assert max(len(line) for line in out.splitlines()) <= 40
    assert len(draw_text(c, width=1000).splitlines()) == 3


def test_default_width_is_the_terminal_width(monkeypatch):
    c = Circuit(1)
    for _ in range(30):
        c.Rx(0.1, 0)
    monkeypatch.setenv("COLUMNS", "50")
    assert max(len(line) for line in draw_text(c).splitlines()) <= 50
    monkeypatch.setenv("COLUMNS", "400")
    assert len(draw_text(c).splitlines()) == 1


@pytest.mark.parametrize("half_turns, text", [
    (0.5, "π/2"), (1.0, "π"), (-0.75, "-3π/4"), (2, "2π"), (0.0, "0"), (0.25 / math.pi, "0.25"),
    (1.234 / math.pi, "1.234"), (X0 / PI, "x[0]"), (-TH / PI, "-theta[1,1]"), (TH / PI + 0.5, "theta[1,1] + π/2"),
    (2 * X0 / PI, "2*x[0]"), (0.3 * X0, "3π/10*x[0]"), (sympy.sin(X0) / PI, "sin(x[0])"),
    (X0 * TH / PI, "theta[1,1]*x[0]"), (sympy.Symbol("other") / PI, "other"),
])
def test_angles_in_radians_as_multiples_of_pi_where_exact(half_turns, text):
    assert format_angle(half_turns, LABELS) == text


# ---- every gate ----------------------------------------------------------------------------------

@pytest.mark.parametrize("t", ALL_GATES, ids=lambda t: t.name)
def test_every_gate_of_the_language_and_of_native_gate_sets_is_drawn(t):
    n_params, arity = SHAPES[t]
    c = Circuit(3).add_gate(t, [X0 / PI] + [0.25] * (n_params - 1) if n_params else [], list(range(arity)))
    out = draw_text(c, LABELS, width=200)
    rows = out.splitlines()
    assert [r.split(":")[0] for r in rows[::2]] == ["q[0]", "q[1]", "q[2]"]
    if n_params:
        assert "x[0]" in out


def test_boxes_show_their_name_and_barriers_and_phase_ops_are_drawn():
    c = Circuit(3)
    c.add_circbox(CircBox(Circuit(2, name="entangle").H(0).CX(0, 1)), [0, 2])
    c.add_barrier([0, 1])
    c.add_gate(OpType.Phase, [0.25], [])
    out = draw_text(c, width=80)
    assert out.splitlines()[0] == "global phase: π/4"
    assert "entangle₀" in out and "entangle₁" in out and "░" in out


# ---- random circuits -----------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(), st.integers(20, 160))
def test_random_circuits_are_drawn_with_one_wire_row_per_qubit_in_every_section(c, width):
    out = draw_text(c, LABELS, width=width)
    lines = out.splitlines()
    if lines and lines[0].startswith("global phase"):
        lines = lines[1:]
    names = [str(q) for q in c.qubits]
    wires = [i for i, line in enumerate(lines) if line.split(": ")[0] in names]
    n_sections = len(wires) // len(names)
    assert n_sections >= 1 and [lines[i].split(": ")[0] for i in wires] == names * n_sections
    for k in range(n_sections):  # a section: wire rows with one gap row between each two
        rows = wires[k * len(names):(k + 1) * len(names)]
        assert all(b - a == 2 for a, b in itertools.pairwise(rows))
        assert len({len(lines[i]) for i in rows}) == 1  # every wire of a section ends at one column
        if k:
            assert lines[rows[0] - 1] == ""
    gaps = [line for i, line in enumerate(lines) if i not in set(wires)]
    assert all(set(line) <= set(" │░") for line in gaps)


# ---- labels from a block -------------------------------------------------------------------------

def _spec(name, shape):
    return ParamSpec(name, shape, InitSpec("uniform", (0.0, 1.0)))


def test_symbol_labels_index_parameters_by_their_shape():
    import qml_compiler as qc
    from qml_compiler.ir.graph import blocks

    cm = qc.compile(str(ROOT / "examples" / "moons.qml"), opt_level=0, engine="numpy")
    [(_, block)] = blocks(cm.ir)
    labels = symbol_labels(block)
    assert labels["circuit__theta__5"] == "theta[1,1]"
    assert labels["circuit__phi__11"] == "phi[2,3]"
    assert labels["circuit__in__x__1"] == "x[1]"
    out = draw_text(block.circuit, labels, width=120)
    assert "Ry(π/2*x[0])" in out and "theta[" in out and "circuit__" not in out


def test_symbol_labels_prefix_the_block_where_two_blocks_share_a_name():
    syms = (SymbolRef("a__theta__0", "param", "a", "theta", 0),
            SymbolRef("b__theta__0", "param", "b", "theta", 0),
            SymbolRef("b__w__0", "param", "b", "w", 0),
            SymbolRef("a__in__x__0", "input", "a", "x", 0, 0))
    block = QuantumBlock("ab", Circuit(1), (("x", 1),), (("a", _spec("theta", (2,))),
                         ("b", _spec("theta", (2,))), ("b", _spec("w", ()))), syms, (), (0,))
    assert symbol_labels(block) == {"a__theta__0": "a.theta[0]", "b__theta__0": "b.theta[0]",
                                    "b__w__0": "w", "a__in__x__0": "x[0]"}


# ---- HTML and PNG --------------------------------------------------------------------------------

def test_html_is_one_page_with_its_scripts_inline(tmp_path):
    pytest.importorskip("pytket.extensions.offline_display", reason="extra `draw` not installed")
    path = tmp_path / "c.html"
    draw_html(Circuit(2).Ry(TH / PI, 0).CX(0, 1), path, LABELS)
    html = path.read_text(encoding="utf-8")
    assert html.lstrip().startswith("<!DOCTYPE html>") and "</html>" in html
    assert "theta[1,1]" in html and "c__theta__5" not in html
    assert '<script src="http' not in html and "<link" not in html  # nothing fetched to show it


def test_png_is_an_image(tmp_path):
    pytest.importorskip("matplotlib", reason="extra `png` not installed")
    pytest.importorskip("pylatexenc", reason="extra `png` not installed")
    pytest.importorskip("qiskit", reason="extra `png` not installed")
    path = tmp_path / "c.png"
    draw_png(Circuit(2).Ry(TH / PI, 0).CX(0, 1), path, LABELS)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_extra_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pytket.extensions.offline_display", None)
    with pytest.raises(MissingExtra) as e:
        draw_html(Circuit(1), "unused.html")
    assert isinstance(e.value, QmlError)
    assert e.value.hint == "pip install 'qml-compiler[draw]'"
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtra, match="png") as e:
        draw_png(Circuit(1), "unused.png")
    assert e.value.hint == "pip install 'qml-compiler[png]'"


def test_the_drawing_in_docs_circuits_md_is_what_the_drawer_draws():
    import qml_compiler as qc
    from qml_compiler.ir.graph import blocks

    doc = (ROOT / "docs" / "circuits.md").read_text(encoding="utf-8")
    shown = doc.split("```text\n", 1)[1].split("```", 1)[0].rstrip("\n")
    cm = qc.compile(str(ROOT / "examples" / "moons.qml"), engine="numpy")
    [(_, block)] = blocks(cm.ir)
    assert draw_text(block.circuit, symbol_labels(block), width=100) == shown
