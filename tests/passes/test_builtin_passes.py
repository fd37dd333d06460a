"""The built-in passes: each shows the graph before and after, and that the model still computes
the same function (the reference evaluator on random inputs and parameters)."""

from pathlib import Path

import numpy as np
import pytest

from qml_compiler.diagnostics import ConfigError
from qml_compiler.frontend import load_file, load_source
from qml_compiler.ir import blocks, lower, stats, to_text, verify
from qml_compiler.ir.nodes import Constant
from qml_compiler.passes import LEVELS, PassContext, PassError, PassManager, make_pass, parse_pipeline
from qml_compiler.testing.reference import evaluate, random_params

ROOT = Path(__file__).resolve().parents[2]


def graph(src: str, name: str = "m"):
    return lower(load_source(src, "t.qml")[name])


def example(file: str, name: str):
    return lower(load_file(str(ROOT / "examples" / file))[name])


def run(g, pipeline: str, **options):
    ctx = PassContext(options=options)
    out = PassManager.from_pipeline(pipeline, verify_each=True).run(g, ctx)
    return out, ctx


def assert_same_function(g1, g2, batch=3, seed=0, tol=1e-9):
    params = random_params(g1, seed)
    rng = np.random.default_rng(seed)
    inputs = {g1.nodes[n]["op"].name: rng.uniform(-1.5, 1.5, (batch, g1.nodes[n]["op"].width))
              for n in g1 if g1.nodes[n]["op"].kind == "input"}
    a, b = evaluate(g1, inputs, params), evaluate(g2, inputs, params)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], atol=tol)


# ---- fuse-blocks ----------------------------------------------------------------------------------

def test_fuse_blocks_joins_a_state_with_the_block_it_starts():
    g = example("encoder_ansatz.qml", "encoder_ansatz")
    out, ctx = run(g, "fuse-blocks")
    assert [b.name for _, b in blocks(g)] == ["encode", "classify"]
    (node, fused), = blocks(out)
    assert fused.name == "encode+classify" and not fused.from_state
    assert fused.circuit.n_gates == sum(b.circuit.n_gates for _, b in blocks(g))
    assert ctx.facts["fuse-blocks"] == [("s", "h")]
    assert_same_function(g, out)


def test_fuse_blocks_chains_of_three():
    src = """model m { input x[2]; output y[1];
      quantum a(v[1]) on q[2] { ry(v[0]) q[0]; }
      quantum b(w[1]) on q[2] { param t; cx q[0], q[1]; rx(t * w[0]) q[1]; }
      quantum c() on q[2] { param u; rz(u) q[1]; h q[1]; readout expval(Z1); }
      forward { y = c(b(a(x[0:1]), x[1:2])); } }"""
    g = graph(src)
    out, _ = run(g, "fuse-blocks")
    (node, fused), = blocks(out)
    assert fused.name == "a+b+c" and stats(out)["params"] == 2
    assert_same_function(g, out)


# ---- light-cone (figures from ../shared/anchors) --------------------------------------------------

def test_light_cone_on_reference_model_r2():
    g = example("reference.qml", "r2_8q")
    out, _ = run(g, "light-cone,drop-unused-params")
    s = stats(out)
    assert (s["params"], s["qubits"]) == (19, 4)
    assert_same_function(g, out, batch=2)


# ---- constant-fold --------------------------------------------------------------------------------

def test_constant_fold_removes_identity_rotations_but_not_controlled_phases():
    src = """model m { input x[1]; output y[1];
      quantum b(v[1]) on q[2] { h q; rx(2 * pi) q[0]; rz(0) q[1]; crz(2 * pi) q[0], q[1];
        crx(4 * pi) q[0], q[1]; ry(v[0]) q[1]; readout expval(X0 * Z1); }
      forward { y = b(x); } }"""
    g = graph(src)
    out, ctx = run(g, "constant-fold")
    names = [c.op.type.name for c in blocks(out)[0][1].circuit.get_commands()]
    assert names == ["H", "H", "CRz", "Ry"]  # crz(2π) = controlled -1 = Z on the control: kept
    assert ctx.facts["constant-fold"]["gates"] == 3
    assert_same_function(g, out)


def test_constant_fold_simplifies_the_classical_graph():
    src = """model m { input x[4]; output y[2];
      quantum k() on q[1] { h q[0]; readout expval(X0), expval(Z0); }
      forward { a = scale(x, 1.0); b = 2.0 * (0.5 * a); c = b[1:4]; d = c[0:2]; e2 = identity(d);
                y = concat(e2, k()) [0:2] ; } }"""
    src = src.replace("concat(e2, k()) [0:2]", "scale(e2, 3.0)")
    g = graph(src)
    out, ctx = run(g, "constant-fold,dead-nodes")
    kinds = sorted(out.nodes[n]["op"].kind for n in out)
    assert kinds == ["input", "output", "scale", "slice"]
    assert_same_function(g, out)


def test_constant_fold_evaluates_a_block_without_inputs_or_parameters():
    src = """model m { input x[2]; output y[4];
      quantum k() on q[1] { ry(pi / 3) q[0]; readout expval(Z0), expval(X0); }
      forward { y = concat(k(), x); } }"""
    g = graph(src)
    out, _ = run(g, "constant-fold")
    const = [out.nodes[n]["op"] for n in out if isinstance(out.nodes[n]["op"], Constant)]
    assert len(const) == 1
    np.testing.assert_allclose(const[0].values, [np.cos(np.pi / 3), np.sin(np.pi / 3)], atol=1e-12)
    assert_same_function(g, out)


# ---- merge-rotations and drop-unused-params -------------------------------------------------------

def test_merge_rotations_sums_symbols():
    src = """model m { input x[1]; output y[1];
      quantum b(v[1]) on q[2] { param t[2]; ry(v[0]) q[0]; ry(t[0]) q[0]; rz(t[1]) q[0]; cx q[0], q[1];
        rz(t[0]) q[0]; cx q[0], q[1]; cx q[0], q[1]; readout expval(Z1); }
      forward { y = b(x); } }"""
    g = graph(src)
    out, ctx = run(g, "merge-rotations")
    cmds = [str(c) for c in blocks(out)[0][1].circuit.get_commands()]
    assert len(cmds) == 3
    assert cmds[0].startswith("Ry(") and "b__in__v__0" in cmds[0] and "b__t__0" in cmds[0]
    assert_same_function(g, out)


def test_drop_unused_params_reports_what_cannot_influence_the_output():
    src = """model m { input x[1]; output y[1];
      quantum b(v[1]) on q[2] { param t[3]; ry(t[0] + v[0]) q[0]; rz(t[2]) q[0]; readout expval(Z0); }
      forward { y = b(x); } }"""
    g = graph(src)
    out, ctx = run(g, "drop-unused-params,light-cone,drop-unused-params,parameter-report")
    assert ctx.facts["dropped-params"]["y"] == ["b.t[1]"]  # declared, never used
    # t[2] rotates about Z just before a Z readout: the light cone drops it.
    assert set(blocks(out)[0][1].dropped) == {("b", "t", 1), ("b", "t", 2)}
    assert ctx.facts["parameter-report"]["b"] == {"declared": 3, "trained": 1}
    assert any("not trained" in m for _, m in ctx.facts["notes"])
    assert_same_function(g, out)


# ---- dead-nodes -----------------------------------------------------------------------------------

def test_dead_nodes_removes_branches_that_reach_no_output():
    src = """model m { input x[2]; output y[2];
      quantum unused(v[2]) on q[2] { ry(v[0]) q[0]; readout expval(Z0); }
      layer d = dense(2, 2);
      forward { z = unused(x); w = relu(d(x)); y = tanh(x); } }"""
    g = graph(src)
    out, ctx = run(g, "dead-nodes")
    assert sorted(ctx.facts["dead-nodes"]) == sorted(["z", "%2", "w"])
    assert set(out.nodes) == {"x", "y", "out.y"}
    assert_same_function(g, out)


# ---- choose-gradient ------------------------------------------------------------------------------

def test_gradient_is_adjoint_by_default_and_parameter_shift_with_shots():
    g = example("moons.qml", "moons")  # its train section asks for adjoint
    out, _ = run(g, "choose-gradient")
    assert blocks(out)[0][1].gradient == "adjoint"
    # Shots asked for at compile time override the file's choice, with a note saying so.
    out, ctx = run(g, "choose-gradient", shots=1000)
    assert blocks(out)[0][1].gradient == "parameter_shift"
    assert any("overrides" in m for _, m in ctx.facts["notes"])
    out, _ = run(g, "choose-gradient", backend="ibm")
    assert blocks(out)[0][1].gradient == "parameter_shift"


def test_gradient_follows_the_train_section_and_refuses_the_impossible():
    g = example("hamiltonian.qml", "energy")  # gradient = parameter_shift; shots = 2000
    out, _ = run(g, "choose-gradient")
    assert blocks(out)[0][1].gradient == "parameter_shift"
    with pytest.raises(ConfigError) as info:
        run(g, "choose-gradient", gradient="adjoint")
    assert "cannot use the adjoint gradient" in info.value.message
    with pytest.raises(ConfigError):
        run(example("moons.qml", "moons"), "choose-gradient", gradient="magic")


# ---- the pass manager -----------------------------------------------------------------------------

@pytest.mark.parametrize("level", sorted(LEVELS))
def test_every_level_keeps_every_example_computing_the_same_function(level):
    for path in sorted((ROOT / "examples").glob("*.qml")):
        for name, spec in load_file(str(path)).items():
            g = lower(spec)
            out = PassManager.for_level(level, verify_each=True).run(g, PassContext())
            verify(out)
            assert_same_function(g, out, batch=2)


def test_levels_reduce_the_reference_models():
    g = example("reference.qml", "r3_12q")
    sizes = [stats(PassManager.for_level(lvl).run(g, PassContext())) for lvl in range(4)]
    assert sizes[0]["params"] == 144 and sizes[2]["params"] == 41
    assert sizes[0]["gates"] >= sizes[1]["gates"] >= sizes[2]["gates"] >= sizes[3]["gates"]


def test_passes_never_change_their_input():
    g = example("encoder_ansatz.qml", "encoder_ansatz")
    before = to_text(g, circuits=True)
    PassManager.for_level(3).run(g, PassContext())
    assert to_text(g, circuits=True) == before


def test_manager_records_time_and_changes_and_prints_after_a_pass():
    g = example("reference.qml", "r2_8q")
    printed = []
    pm = PassManager.from_pipeline("light-cone,drop-unused-params", print_after=("light-cone",),
                                   printer=printed.append)
    pm.run(g, PassContext())
    light = pm.records[0]
    assert light.name == "light-cone" and light.seconds >= 0
    assert light.changes()["qubits"] == (8, 4) and light.changes()["params"] == (64, 19)
    assert len(printed) == 1 and printed[0].startswith("; IR after light-cone")
    report = pm.timing_report()
    assert "light-cone" in report and "params 64->19" in report


def test_callback_sees_every_step():
    seen = []
    pm = PassManager.from_pipeline("constant-fold,dead-nodes",
                                   callback=lambda name, before, after, rec: seen.append((name, rec.name)))
    pm.run(example("moons.qml", "moons"), PassContext())
    assert seen == [("constant-fold", "constant-fold"), ("dead-nodes", "dead-nodes")]


@pytest.mark.parametrize("text, phrase", [
    ("light-cone,merge-rotatons", "unknown pass `merge-rotatons`"),
    ("merge-rotations{spin=3}", "has no option `spin`"),
    ("merge-rotations{commute=maybe}", "bad value"),
    ("merge-rotations{commute=false", "never closed"),
    ("light-cone{mode}", "needs `=value`"),
])
def test_pipeline_text_errors(text, phrase):
    with pytest.raises(PassError) as info:
        parse_pipeline(text)
    assert phrase in info.value.message


def test_pipeline_text_round_trips_through_spec():
    passes = parse_pipeline("merge-rotations{commute=false}, dead-nodes")
    assert [p.spec() for p in passes] == ["merge-rotations{commute=False}", "dead-nodes"]
    assert make_pass("merge-rotations", {"commute": "false"}).commute is False


def test_insert_places_a_pass_relative_to_another():
    pm = PassManager.from_pipeline("constant-fold,dead-nodes")
    pm.insert(make_pass("light-cone"), after="constant-fold")
    pm.insert(make_pass("choose-gradient"), before="constant-fold")
    assert [p.name for p in pm.passes] == ["choose-gradient", "constant-fold", "light-cone", "dead-nodes"]
    with pytest.raises(PassError):
        pm.insert(make_pass("light-cone"), before="nope")


def test_golden_ir_after_light_cone_and_merge():
    """Source in, IR printed after the passes, checked line by line."""
    src = """model m { input x[3]; output y[1];
      quantum b(v[3]) on q[3] { param t[3];
        for i in range(3) { ry(v[i]) q[i]; }
        for i in range(3) { ry(t[i]) q[i]; }
        cx q[0], q[1]; cx q[1], q[2];
        rz(t[0]) q[0];
        readout expval(Z0); }
      forward { y = b(x); } }"""
    g = lower(load_source(src, "t.qml")["m"])
    out = PassManager.from_pipeline("light-cone,merge-rotations").run(g, PassContext())
    assert to_text(out, circuits=True).splitlines() == [
        "model m (t.qml)",
        "  x = input [3]",
        "  y = quantum b 1q 1 gates (0 2q) depth 1 1 params -> <Z0> (x)",
        "      dropped: b.t[1], b.t[2]",
        "      Ry(b__in__v__0/pi + b__t__0/pi) q[0];",
        "  out.y = output y [1] (y)",
    ]


# ---- property: every level keeps random models computing the same function -----------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ONE_QUBIT = ["h", "x", "s", "t", "sx", "rx", "ry", "rz", "p"]
TWO_QUBIT = ["cx", "cz", "cy", "swap", "crx", "crz", "rzz", "rxx"]
ANGLES = ["t[{k}]", "v[{j}]", "t[{k}] * v[{j}]", "0", "2 * pi", "pi / 2"]


@st.composite
def random_models(draw):
    n = draw(st.integers(1, 3))
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        two = n > 1 and draw(st.booleans())
        name = draw(st.sampled_from(TWO_QUBIT if two else ONE_QUBIT))
        qubits = draw(st.permutations(range(n)))[: 2 if two else 1]
        angle = ""
        if name in ("rx", "ry", "rz", "p", "crx", "crz", "rzz", "rxx"):
            angle = "(" + draw(st.sampled_from(ANGLES)).format(k=draw(st.integers(0, 3)),
                                                             j=draw(st.integers(0, 1))) + ")"
        lines.append(f"{name}{angle} " + ", ".join(f"q[{q}]" for q in qubits) + ";")
    pauli = "*".join(f"{draw(st.sampled_from('XYZ'))}{q}" for q in
                     sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))))
    readout = f"expval(0.5*{pauli} - Z0)" + (", probs(q[0])" if draw(st.booleans()) else "")
    width = 1 + (2 if "probs" in readout else 0)
    scale = draw(st.sampled_from(["1.0", "2.0", "-0.5"]))
    return f"""model m {{ input x[2]; output y[{width}];
      quantum b(v[2]) on q[{n}] {{ param t[4];
        {chr(10).join(lines)}
        readout {readout}; }}
      forward {{ h = scale(b(x), {scale}); y = identity(h[0:{width}]); }} }}"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models(), st.sampled_from(sorted(LEVELS)))
def test_levels_keep_random_models_computing_the_same_function(src, level):
    g = graph(src)
    out = PassManager.for_level(level, verify_each=True).run(g, PassContext())
    assert_same_function(g, out, batch=2)
    assert stats(out)["gates"] <= stats(g)["gates"]
