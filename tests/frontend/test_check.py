"""Semantic checks and elaboration: every mistake is found and located; correct models elaborate
to the gates, parameters and widths the language reference promises."""

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qml_compiler.diagnostics import (ConfigError, DuplicateName, FileError, ImportCycle,
                                      LimitError, QmlError, QmlErrors, QubitError, ShapeError,
                                      TypeMismatch, UnknownName)
from qml_compiler.frontend import load_file, load_source, select_model
from qml_compiler.frontend.ast import BinOp, Num
from qml_compiler.frontend.model import GateOp, InputRef, ParamRef, PauliString, evaluate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))


def model(body: str, head: str = "input x[2]; output y[1];", forward: str = "y = b(x);", top: str = ""):
    src = f"{top}\nmodel m {{ {head}\n quantum b(x[2]) on q[3] {{\n{body}\n }}\n forward {{ {forward} }} }}"
    return load_source(src, "t.qml")["m"]


def errors_of(src: str) -> list[QmlError]:
    with pytest.raises(QmlError) as info:
        load_source(src, "t.qml")
    e = info.value
    return e.errors if isinstance(e, QmlErrors) else [e]


def block_errors(body: str) -> list[QmlError]:
    return errors_of(f"model m {{ input x[2]; output y[1];\n quantum b(x[2]) on q[3] {{\n{body}\n }}\n"
                     " forward { y = b(x); } }")


# ---- correct models -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_checks(path):
    models = load_file(str(path))
    assert models
    for m in models.values():
        assert m.n_params > 0
        assert m.blocks


def test_reference_model_r1_has_the_anchor_parameter_counts():
    m = load_file(str(ROOT / "examples" / "moons.qml"))["moons"]
    (block,) = m.blocks
    assert block.n_params == 24 and m.n_params == 34
    assert block.n_qubits == 4 and block.out_width == 4
    cx = [op.qubits for op in block.ops if op.name == "cx"]
    assert cx == [(0, 1), (1, 2), (2, 3), (3, 0)] * 3  # the CNOT ring of every layer
    assert [op.angles[0] for op in block.ops[:4]] == [
        BinOp("/", BinOp("*", InputRef("x", i % 2), Num(math.pi)), Num(2)) for i in range(4)]


@pytest.mark.parametrize("name, qubits, params, readout", [
    ("r2l_8q_last", 8, 64, ((7, "Z"),)), ("r3l_12q_last", 12, 144, ((11, "Z"),)),
    ("r2_8q", 8, 64, ((0, "Z"),)), ("r3_12q", 12, 144, ((0, "Z"),))])
def test_reference_models_match_the_anchors(name, qubits, params, readout):
    m = select_model(load_file(str(ROOT / "examples" / "reference.qml")), name, "reference.qml")
    (block,) = m.blocks
    assert (block.n_qubits, block.n_params) == (qubits, params)
    assert block.readouts[0].terms == (PauliString(1.0, readout),)
    layers = params // (2 * qubits)
    assert sum(op.name == "cx" for op in block.ops) == layers * (qubits - 1)


def test_loops_repeats_and_indices_unroll():
    m = model("param t[2, 3];\nrepeat 2 as l { for i in range(1, 3) { rx(t[l, i] + l) q[i]; } }\n"
              "readout expval(Z0);")
    ops = m.blocks[0].ops
    assert [(op.name, op.qubits) for op in ops] == [("rx", (1,)), ("rx", (2,))] * 2
    assert ops[0].angles[0] == ParamRef("t", 1)  # t[0, 1] + 0 folds to the reference
    assert ops[2].angles[0] == BinOp("+", ParamRef("t", 4), Num(1))  # t[1, 1] + 1


def test_range_with_step_and_negative_indices_arithmetic():
    m = model("for i in range(2, -1, -1) { h q[i]; }\nreadout expval(Z0);")
    assert [op.qubits for op in m.blocks[0].ops] == [(2,), (1,), (0,)]


def test_register_broadcast_applies_a_gate_to_every_qubit():
    m = model("h q;\nreadout expval(Z0);")
    assert [op.qubits for op in m.blocks[0].ops] == [(0,), (1,), (2,)]


def test_constants_fold_and_aliases_normalise():
    m = model("u1(pi / 2) q[0];\nu2(0, pi) q[1];\ncnot q[0], q[1];\nid q[2];\nreadout expval(Z0);")
    ops = m.blocks[0].ops
    assert ops[0] == GateOp("p", (0,), (Num(math.pi / 2),))
    assert ops[1] == GateOp("u3", (1,), (Num(math.pi / 2), Num(0), Num(math.pi)))
    assert ops[2].name == "cx" and len(ops) == 3


def test_angle_expressions_evaluate_like_the_math():
    m = model("param t;\nry(arccos(x[0]) * t - sqrt(x[1] ** 2 + 1) / 2) q[0];\nreadout expval(Z0);")
    (op,) = m.blocks[0].ops
    got = evaluate(op.angles[0], {"t": [0.7]}, {"x": [0.3, -1.5]})
    assert got == pytest.approx(math.acos(0.3) * 0.7 - math.sqrt(1.5 ** 2 + 1) / 2)


def test_user_gates_inline_with_their_arguments():
    top = "gate rot(a, b) t { ry(a) t; rz(2 * b) t; }\ngate pair(a) l, r { rot(a, -a) l; cx l, r; }"
    m = model("param w[2];\npair(w[1]) q[2], q[0];\nreadout expval(Z0);", top=top)
    ops = m.blocks[0].ops
    assert [(o.name, o.qubits) for o in ops] == [("ry", (2,)), ("rz", (2,)), ("cx", (2, 0))]
    assert ops[0].angles[0] == ParamRef("w", 1)
    assert evaluate(ops[1].angles[0], {"w": [0.0, 0.25]}, {}) == pytest.approx(-0.5)


def test_readouts_and_output_widths():
    m = model("readout expval(0.5*Z0*Z1 + X2 - 2), probs(q[0], q[2]), samples(q[1], shots=100);",
              head="input x[2]; output y[7];")
    ex, pr, sa = m.blocks[0].readouts
    assert ex.terms == (PauliString(0.5, ((0, "Z"), (1, "Z"))), PauliString(1.0, ((2, "X"),)),
                        PauliString(-2.0, ()))
    assert pr.qubits == (0, 2) and pr.width == 4
    assert sa.shots == 100 and sa.width == 2
    assert m.blocks[0].out_width == 7


def test_forward_wiring_builds_nodes_with_widths():
    src = """model m { input x[4]; output y[2]; output z[1];
      quantum b(v[2]) on q[2] { readout expval(Z0), expval(Z1), expval(X0); }
      layer d = dense(5, 2, bias=false);
      forward { a, c = split(x, 2, 2); h = concat(b(a), 0.5 * c); y = softmax(d(h));
                z = tanh(h[4:5] / 2); } }"""
    m = load_source(src)["m"]
    widths = {n.name: n.width for n in m.nodes}
    assert widths["a"] == 2 and widths["h"] == 5 and widths["y"] == 2 and widths["z"] == 1
    assert m.output_nodes == ("y", "z")
    assert m.layers[0].n_params == 10
    ops = [n.op for n in m.nodes]
    assert ops.count("quantum") == 1 and ops.count("slice") == 3 and "concat" in ops


def test_train_section_resolves_values():
    src = """model m { input x[1]; output y[1]; quantum b(x[1]) on q[1] { ry(x[0]) q[0]; readout expval(Z0); }
      forward { y = b(x); }
      train { data = moons(n_samples=100, noise=0.1); data.label = "cls"; loss = mse;
              optimizer = adam(lr=0.05); epochs = 3; metrics = [accuracy, "f1"]; lr = 2 * pi; } }"""
    train = dict(load_source(src)["m"].train)
    assert train["data"] == {"name": "moons", "n_samples": 100, "noise": 0.1}
    assert train["data.label"] == "cls" and train["loss"] == "mse" and train["epochs"] == 3
    assert train["optimizer"] == {"name": "adam", "lr": 0.05}
    assert train["metrics"] == ["accuracy", "f1"] and train["lr"] == pytest.approx(2 * math.pi)


def test_parameter_initialisers():
    m = model("param a[2] init normal(0, 0.1);\nparam b init constant(1.5);\nparam c[3] init zeros;\n"
              "param d[1];\nry(a[0] + b + c[0] + d[0]) q[0];\nreadout expval(Z0);")
    inits = {p.name: (p.init.kind, p.init.args) for p in m.blocks[0].params}
    assert inits == {"a": ("normal", (0.0, 0.1)), "b": ("constant", (1.5,)), "c": ("zeros", ()),
                     "d": ("uniform", (0.0, 2 * math.pi))}


# ---- mistakes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("body, cls, phrase, line", [
    ("rz2(0.1) q[0];\nreadout expval(Z0);", UnknownName, "unknown gate or template `rz2`", 3),
    ("ry(0.1) q[3];\nreadout expval(Z0);", QubitError, "qubit index 3 is out of range", 3),
    ("cx q[0], q[0];\nreadout expval(Z0);", QubitError, "same qubit twice", 3),
    ("cx q[0];\nreadout expval(Z0);", QubitError, "acts on 2 qubits, got 1", 3),
    ("ry q[0];\nreadout expval(Z0);", TypeMismatch, "takes 1 angle, got 0", 3),
    ("param t[2];\nry(t[2]) q[0];\nreadout expval(Z0);", ShapeError, "index 2 is out of range", 4),
    ("param t[2, 2];\nry(t[1]) q[0];\nreadout expval(Z0);", ShapeError, "needs 2 indices, got 1", 4),
    ("param t[2];\nry(t) q[0];\nreadout expval(Z0);", ShapeError, "index it", 4),
    ("ry(x[2]) q[0];\nreadout expval(Z0);", ShapeError, "out of range for data input `x`", 3),
    ("ry(thet) q[0];\nreadout expval(Z0);", UnknownName, "unknown name `thet`", 3),
    ("ry(0.1) r[0];\nreadout expval(Z0);", QubitError, "unknown register `r`", 3),
    ("for i in range(1000000) { h q[0]; }\nreadout expval(Z0);", LimitError, "1,000,000 iterations", 3),
    ("param t;\nfor i in range(t) { h q[0]; }\nreadout expval(Z0);", TypeMismatch, "known at compile time", 4),
    ("ry(1 / 0) q[0];\nreadout expval(Z0);", TypeMismatch, "division by zero", 3),
    ("ry(sqrt(-1)) q[0];\nreadout expval(Z0);", TypeMismatch, "undefined", 3),
    ("ry(sine(0.1)) q[0];\nreadout expval(Z0);", UnknownName, "unknown function `sine`", 3),
    ("readout expval(Z0*Z0);", QubitError, "appears twice", 3),
    ("readout expval(Z5);", QubitError, "qubit 5 is out of range", 3),
    ("param t;\nparam t;\nreadout expval(Z0);", DuplicateName, "already defined", 4),
    ("for i in range(2) { param t; }\nreadout expval(Z0);", TypeMismatch, "top of a quantum block", 3),
    ("ry(0.1) q[1.5];\nreadout expval(Z0);", TypeMismatch, "must be an integer", 3),
    ("angle_encoding(x, axis=W);\nreadout expval(Z0);", TypeMismatch, "axis", 3),
    ("hardware_efficient(x);\nreadout expval(Z0);", TypeMismatch, "hardware_efficient", 3),
])
def test_block_mistakes_are_located(body, cls, phrase, line):
    errs = block_errors(body)
    assert any(isinstance(e, cls) and phrase in e.message for e in errs), [e.message for e in errs]
    e = next(e for e in errs if isinstance(e, cls) and phrase in e.message)
    assert e.span.file == "t.qml" and e.span.line == line
    assert "^" in e.render()


def test_misspellings_get_a_hint():
    (e,) = block_errors("param theta;\nrx(thetta) q[0];\nreadout expval(Z0);")
    assert e.hint == "did you mean `theta`?"
    (e,) = block_errors("ryy2(0.1) q[0], q[1];\nreadout expval(Z0);")
    assert e.hint == "did you mean `ryy`?"


def test_independent_errors_are_reported_together():
    errs = block_errors("rz2(0.1) q[0];\nry(0.1) q[7];\nry(y[0]) q[1];\nreadout expval(Z9);")
    assert [e.span.line for e in errs] == [3, 4, 5, 6]


def test_an_error_inside_a_loop_is_reported_once():
    errs = block_errors("for i in range(10) { ry(0.1) q[7]; }\nreadout expval(Z0);")
    assert len(errs) == 1


@pytest.mark.parametrize("src, cls, phrase", [
    ("model m { input x[2]; output y[2]; quantum b(x[2]) on q[2] { readout expval(Z0); }"
     " forward { y = b(x); } }", ShapeError, "declared with width 2 but the forward section gives it width 1"),
    ("model m { input x[3]; output y[1]; quantum b(x[2]) on q[2] { readout expval(Z0); }"
     " forward { y = b(x); } }", ShapeError, "takes `x` of width 2 but gets width 3"),
    ("model m { input x[3]; output y[2]; layer d = dense(2, 2); forward { y = d(x); } }",
     ShapeError, "layer `d` takes width 2 but gets width 3"),
    ("model m { input x[2]; output y[2]; forward { y = relu(z); } }", UnknownName, "unknown value `z`"),
    ("model m { input x[2]; output y[2]; forward { y = rellu(x); } }", UnknownName, "unknown layer"),
    ("model m { input x[2]; output y[2]; forward { } }", UnknownName, "never assigned"),
    ("model m { input x[2]; output y[2]; }", UnknownName, "no forward section"),
    ("model m { input x[4]; output y[2]; forward { a, b = split(x, 1, 2); y = a; } }", ShapeError,
     "add up to"),
    ("model m { input x[4]; output y[2]; forward { y = x[3:5]; } }", ShapeError, "out of range"),
    ("model m { input x[2]; output y[2]; forward { y = x * x; } }", TypeMismatch, "scaled by a constant"),
    ("model m { input x[2]; output y[2]; forward { y = relu(x); y = x; } }", DuplicateName, "already defined"),
    ("model m { input x[2]; output y[2]; layer d = relu(2); forward { y = x; } }", TypeMismatch,
     "must be a `dense(in, out)` layer"),
    ("model m { input x[2]; output y[2]; layer d = dense(2, 2, bais=true); forward { y = d(x); } }",
     UnknownName, "no option `bais`"),
    ("model m { input x[2]; output y[2]; forward { y = x; } train { epocs = 3; } }", ConfigError,
     "unknown train setting `epocs`"),
    ("model m { input x[2]; output y[2]; forward { y = x; } train { epochs = 0; } }", ConfigError,
     "positive integer"),
    ("model m { input x[2]; output y[2]; forward { y = x; } }\nmodel m { input x[2]; output y[2]; "
     "forward { y = x; } }", DuplicateName, "already defined"),
    ("gate h q { x q; }", DuplicateName, "built-in gate"),
    ("gate g(a) t { g(a) t; }\nmodel m { input x[1]; output y[1]; quantum b(x[1]) on q[1] { g(0.1) q[0]; "
     "readout expval(Z0); } forward { y = b(x); } }", TypeMismatch, "calls itself"),
    ("gate g(a) t { ry(theta) t; }\nmodel m { input x[1]; output y[1]; quantum b(x[1]) on q[1] "
     "{ param theta; g(0.1) q[0]; readout expval(Z0); } forward { y = b(x); } }", UnknownName, "`theta`"),
    ("model m { input x[1]; output y[1]; quantum b(x[1]) on q[2000] { readout expval(Z0); } "
     "forward { y = b(x); } }", QubitError, "between 1 and 1024 qubits"),
])
def test_model_mistakes_are_found(src, cls, phrase):
    errs = errors_of(src)
    assert any(isinstance(e, cls) and phrase in e.message for e in errs), [e.message for e in errs]


def test_a_block_without_readout_passes_its_state_to_the_next_block():
    src = """model m { input x[2]; output y[1];
      quantum enc(x[2]) on q[2] { ry(x[0]) q[0]; ry(x[1]) q[1]; }
      quantum ansatz(z[1]) on q[2] { param t; cx q[0], q[1]; rz(t * z[0]) q[1]; readout expval(Z1); }
      forward { y = ansatz(enc(x), x[0:1]); } }"""
    m = load_source(src)["m"]
    enc, ans = [n for n in m.nodes if n.op == "quantum"]
    assert enc.attr("state") is True and enc.width == 2
    assert ans.attr("from_state") is True and ans.args[0] == enc.name and ans.width == 1


@pytest.mark.parametrize("forward, phrase", [
    ("y = relu(enc(x));", "its value is a quantum state"),
    ("y = enc(x);", "is a quantum state"),
    ("y = big(enc(x));", "has 3 qubits but starts from a state of 2"),
])
def test_quantum_states_are_only_passed_to_blocks(forward, phrase):
    src = ("model m { input x[2]; output y[2]; quantum enc(x[2]) on q[2] { ry(x[0]) q[0]; }\n"
           "quantum big() on q[3] { readout expval(Z0), expval(Z1); }\n"
           f"forward {{ {forward} }} }}")
    errs = errors_of(src)
    assert any(phrase in e.message for e in errs), [e.message for e in errs]


def test_blocks_never_called_are_checked_too():
    errs = errors_of("quantum unused() on q[1] { ry(0.1) q[4]; readout expval(Z0); }\n"
                     "model m { input x[1]; output y[1]; forward { y = x; } }")
    assert isinstance(errs[0], QubitError)


# ---- files, imports, includes -------------------------------------------------------------------

def test_imports_bring_gates_and_blocks(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "g.qml").write_text("gate flip t { x t; }\nquantum enc(x[1]) on q[1] "
                                            "{ ry(x[0]) q[0]; flip q[0]; readout expval(Z0); }")
    (tmp_path / "m.qml").write_text('import "lib/g.qml";\nmodel m { input x[1]; output y[1]; '
                                    "forward { y = enc(x); } }")
    m = load_file(str(tmp_path / "m.qml"))["m"]
    assert [op.name for op in m.blocks[0].ops] == ["ry", "x"]


def test_import_cycles_are_errors(tmp_path):
    (tmp_path / "a.qml").write_text('import "b.qml";')
    (tmp_path / "b.qml").write_text('import "a.qml";')
    with pytest.raises(ImportCycle) as info:
        load_file(str(tmp_path / "a.qml"))
    assert "a.qml -> b.qml -> a.qml" in info.value.message


def test_errors_in_imported_files_name_that_file(tmp_path):
    (tmp_path / "lib.qml").write_text("gate g t {\n  rz2(0.1) t;\n}")
    (tmp_path / "m.qml").write_text('import "lib.qml";\nmodel m { input x[1]; output y[1]; quantum b(x[1]) '
                                    'on q[1] { g q[0]; readout expval(Z0); } forward { y = b(x); } }')
    with pytest.raises(UnknownName) as info:
        load_file(str(tmp_path / "m.qml"))
    assert info.value.span.file.endswith("lib.qml") and info.value.span.line == 2
    assert "rz2" in info.value.render()


def test_missing_import_is_a_located_error(tmp_path):
    (tmp_path / "m.qml").write_text('import "nope.qml";\n')
    with pytest.raises(FileError) as info:
        load_file(str(tmp_path / "m.qml"))
    assert "no such file" in info.value.message and info.value.span.line == 1


def test_qasm_include_with_measurements_is_refused(tmp_path):
    (tmp_path / "c.qasm").write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\n'
                                     "h q[0];\nmeasure q[0] -> c[0];\n")
    (tmp_path / "m.qml").write_text('include "c.qasm" as c;\nmodel m { input x[1]; output y[1]; '
                                    "quantum b(x[1]) on q[1] { c q[0]; readout expval(Z0); } forward { y = b(x); } }")
    with pytest.raises(QmlError) as info:
        load_file(str(tmp_path / "m.qml"))
    assert info.value.span.file.endswith("c.qasm") and info.value.span.line in (4, 6)


@pytest.mark.parametrize("content, phrase", [
    (b"\xff\xfe garbage", "not UTF-8"),
    (b"", None),
])
def test_unreadable_and_empty_files(tmp_path, content, phrase):
    f = tmp_path / "x.qml"
    f.write_bytes(content)
    if phrase is None:
        assert load_file(str(f)) == {}
    else:
        with pytest.raises(FileError) as info:
            load_file(str(f))
        assert phrase in info.value.message


def test_select_model_lists_the_choices():
    models = load_file(str(ROOT / "examples" / "reference.qml"))
    with pytest.raises(UnknownName) as info:
        select_model(models, None, "reference.qml")
    assert "--model" in info.value.hint and "r2_8q" in info.value.message


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_examples_check_or_raise_a_qml_error(data):
    path = data.draw(st.sampled_from([p for p in EXAMPLES if "include" not in p.read_text()]))
    src = path.read_text()
    # Replace one number or name-like token by another: semantic, not syntactic, damage.
    import re
    tokens = list(re.finditer(r"\b[0-9]+\b|\b[a-z_]+\b", src))
    m = data.draw(st.sampled_from(tokens))
    new = data.draw(st.sampled_from(["0", "1", "7", "99", "x", "q", "theta", "pi", "ry", "cx", "dense", "zz"]))
    mutated = src[: m.start()] + new + src[m.end():]
    try:
        load_source(mutated, str(path))
    except QmlError as e:
        assert e.render()
