"""The parser and the printer: what a person writes becomes the tree they meant, and back."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qml_compiler.diagnostics import LimitError, QmlError, QmlErrors, QmlSyntaxError
from qml_compiler.frontend import ast as A
from qml_compiler.frontend.parser import parse
from qml_compiler.frontend.printer import to_source

from qml_strategies import programs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").rglob("*.qml"))


def only_model(src: str) -> A.ModelDef:
    return parse(src).items[0]


def first_expr(src_expr: str):
    prog = parse(f"model m {{ layer l = {src_expr}; }}")
    return prog.items[0].items[0].value


def test_examples_exist():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_round_trip(path):
    tree = parse(path.read_text(), str(path))
    printed = to_source(tree)
    assert parse(printed) == tree
    assert to_source(parse(printed)) == printed  # the canonical form is a fixed point


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs)
def test_generated_programs_round_trip(tree):
    assert parse(to_source(tree)) == tree


@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", A.BinOp("+", A.Num(1), A.BinOp("*", A.Num(2), A.Num(3)))),
    ("(1 + 2) * 3", A.BinOp("*", A.BinOp("+", A.Num(1), A.Num(2)), A.Num(3))),
    ("1 - 2 - 3", A.BinOp("-", A.BinOp("-", A.Num(1), A.Num(2)), A.Num(3))),
    ("2 ** 3 ** 2", A.BinOp("**", A.Num(2), A.BinOp("**", A.Num(3), A.Num(2)))),
    ("-x ** 2", A.Neg(A.BinOp("**", A.Var("x"), A.Num(2)))),
    ("-x * y", A.BinOp("*", A.Neg(A.Var("x")), A.Var("y"))),
    ("x[i % 2] * pi / 2", A.BinOp("/", A.BinOp("*", A.Subscript("x", (A.BinOp("%", A.Var("i"), A.Num(2)),)),
                                               A.Var("pi")), A.Num(2))),
    ("arccos(sqrt(x[0]))", A.Call("arccos", (A.Call("sqrt", (A.Subscript("x", (A.Num(0),)),)),))),
    ("1.5e-3", A.Num(1.5e-3)),
    (".5", A.Num(0.5)),
    ("+3", A.Num(3)),
])
def test_operator_precedence_and_literals(text, expected):
    assert first_expr(text) == expected


def test_integer_and_float_literals_stay_distinct():
    assert isinstance(first_expr("3").value, int)
    assert isinstance(first_expr("3.0").value, float)


def test_pauli_sums():
    m = only_model("model m { quantum b() on q[3] { readout expval(0.5*Z0*Z1 + X2 - 2*Y[1]), "
                   "expval(-Z0); } }")
    e1, e2 = m.items[0].body[0].items
    assert [(t.coeff, [(f.letter, f.qubit) for f in t.factors]) for t in e1.terms] == [
        (0.5, [("Z", A.Num(0)), ("Z", A.Num(1))]), (1.0, [("X", A.Num(2))]), (-2.0, [("Y", A.Num(1))])]
    assert e2.terms[0].coeff == -1.0


def test_keywords_are_names_where_the_grammar_cannot_use_them():
    # `expval`, `samples` and `shots` are keywords only inside readouts.
    m = only_model("model m { layer samples = dense(2, 2); forward { expval = samples(x); } }")
    assert m.items[0].name == "samples"
    assert m.items[1].assigns[0].targets == ("expval",)


def test_spans_point_at_the_source():
    src = "model m {\n  quantum b(x[2]) on q[2] {\n    ry(x[0]) q[1];\n  }\n}\n"
    stmt = parse(src, "f.qml").items[0].items[0].body[0]
    assert (stmt.span.file, stmt.span.line, stmt.span.col) == ("f.qml", 3, 5)
    assert stmt.qubits[0].span.col == 14


@pytest.mark.parametrize("src, line, col, phrase", [
    ("model m {\n  input x[2]\n  output y[2];\n}", 2, 13, "missing `;`"),
    ("model m {\n  input x[2];\n", 2, 14, "unexpected end of file"),
    ("model m { input x[2.5]; }", 1, 20, "unexpected `.5`"),
    ('import "a.qml;\n', 1, 8, "unterminated string"),
    ("model m { input x[2]; } @", 1, 25, "unexpected character '@'"),
    ("model 3 { }", 1, 7, "unexpected `3`"),
])
def test_syntax_errors_name_the_place(src, line, col, phrase):
    with pytest.raises(QmlSyntaxError) as info:
        parse(src, "f.qml")
    e = info.value
    assert phrase in e.message
    assert (e.span.line, e.span.col) == (line, col)
    assert "^" in e.render()


def test_several_missing_semicolons_are_reported_at_once():
    src = "model m {\n  input x[2]\n  output y[2]\n  layer l = dense(2, 2)\n}\n"
    with pytest.raises(QmlErrors) as info:
        parse(src)
    assert [e.span.line for e in info.value.errors] == [2, 3, 4]


def test_unexpected_token_lists_what_was_expected():
    with pytest.raises(QmlSyntaxError) as info:
        parse("model m { quantum b() on q[2] { ry(0.1) q[0] q[1]; } }")
    assert "`,`" in info.value.hint and "`;`" in info.value.hint


def test_comments_are_ignored():
    a = parse("model m { // a comment\n /* block\n comment */ input x[1]; }")
    b = parse("model m { input x[1]; }")
    assert a == b


@pytest.mark.parametrize("depth", [10_000])
def test_very_deep_expressions_are_refused_not_crashing(depth):
    src = "model m { layer l = " + "-" * depth + "1; }"
    with pytest.raises(LimitError) as info:
        parse(src)
    assert "too deep" in info.value.message


def test_deeply_parenthesised_expressions_parse():
    src = "model m { layer l = " + "(" * 5000 + "1" + ")" * 5000 + "; }"
    assert only_model(src).items[0].value == A.Num(1)


def test_deeply_nested_loops_are_refused_not_crashing():
    body = "for i in range(2) { " * 2000 + "h q[0];" + "}" * 2000
    with pytest.raises(LimitError):
        parse("model m { quantum b() on q[1] { " + body + " } }")


def test_long_flat_files_parse():
    body = "\n".join(f"        ry({i} * 0.001) q[{i % 4}];" for i in range(5000))
    tree = parse(f"model m {{\n    quantum b() on q[4] {{\n{body}\n    }}\n}}\n")
    assert len(tree.items[0].items[0].body) == 5000


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_a_qml_error(text):
    try:
        parse(text)
    except QmlError as e:
        assert e.render()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_examples_parse_or_raise_a_qml_error(data):
    src = data.draw(st.sampled_from(EXAMPLES)).read_text()
    n = len(src)
    i = data.draw(st.integers(0, n))
    j = data.draw(st.integers(i, min(n, i + 20)))
    insert = data.draw(st.sampled_from(["", ";", "{", "}", "(", ")", "[", "]", ",", "=", "q", "1",
                                        "expval(", "for", "-", "*", '"', "/*", "é", "\x00"]))
    mutated = src[:i] + insert + src[j:]
    try:
        parse(mutated)
    except QmlError as e:
        assert e.render()
