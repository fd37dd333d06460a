"""Hypothesis strategies that generate syntax trees of `.qml` programs.

The trees are syntactically valid (anything the parser could produce), not necessarily
meaningful: they exercise the parser and the printer, not the checker.
"""

from hypothesis import strategies as st

from qml_compiler.frontend import ast as A

KEYWORDS = {"import", "include", "as", "gate", "model", "input", "output", "layer", "forward",
            "train", "quantum", "on", "param", "init", "for", "in", "range", "repeat", "readout",
            "expval", "probs", "samples", "shots"}

names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
ints = st.integers(min_value=0, max_value=10_000)
floats = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
numbers = st.one_of(ints, floats).map(lambda v: A.Num(v))
strings = st.from_regex(r'[A-Za-z0-9_./ -]{0,12}', fullmatch=True)


def _exprs(leaves):
    return st.recursive(
        leaves,
        lambda sub: st.one_of(
            st.builds(A.BinOp, st.sampled_from(["+", "-", "*", "/", "%"]), sub, sub),
            st.builds(A.BinOp, st.just("**"), sub, sub),
            st.builds(A.Neg, sub),
            st.builds(A.Call, names, st.lists(sub, max_size=3).map(tuple)),
            st.builds(A.Subscript, names, st.lists(sub, min_size=1, max_size=3).map(tuple)),
        ),
        max_leaves=12,
    ).filter(_valid_pow)


def _valid_pow(e) -> bool:
    """`a ** b` takes an atom on its left in the grammar: the printer parenthesises, and a
    Neg or BinOp on the left reparses the same, so every tree is fine; kept as a hook."""
    return True


exprs = _exprs(st.one_of(numbers, names.map(A.Var)))
slices = st.builds(A.Slice, st.none() | exprs, st.none() | exprs)
subscripts = st.builds(A.Subscript, names, st.lists(exprs | slices, min_size=1, max_size=2).map(tuple))

values = st.recursive(
    st.one_of(exprs, strings.map(A.Str)),
    lambda sub: st.one_of(
        st.builds(A.ListLit, st.lists(sub, max_size=3).map(tuple), st.just(False)),
        st.builds(A.ListLit, st.lists(sub, min_size=1, max_size=3).map(tuple), st.just(True)),
    ),
    max_leaves=6,
)
args = st.lists(st.one_of(values, st.builds(A.KwArg, names, values)), max_size=3).map(tuple)

qubit_refs = st.builds(A.QubitRef, names, st.none() | exprs)
ranges = st.one_of(
    st.builds(A.Range, exprs, st.none(), st.none()),
    st.builds(A.Range, exprs, exprs, st.none()),
    st.builds(A.Range, exprs, exprs, exprs),
)
pauli_factors = st.builds(A.PauliFactor, st.sampled_from("IXYZ"), ints.map(A.Num) | exprs)
pauli_terms = st.builds(
    A.PauliTerm,
    st.floats(min_value=-100, max_value=100, allow_nan=False).filter(lambda c: c != 0),
    st.lists(pauli_factors, max_size=3).map(tuple),
)
readout_items = st.one_of(
    st.builds(A.Expval, st.lists(pauli_terms, min_size=1, max_size=3).map(tuple),
              st.none() | st.tuples(names, ranges)),
    st.builds(A.Probs, st.lists(qubit_refs, max_size=3).map(tuple)),
    st.builds(A.Samples, st.lists(qubit_refs, max_size=3).map(tuple), exprs),
)


def _gate_stmt(name, a, qubits, parens):
    return A.GateStmt(name, a, qubits, parens or bool(a))


gate_stmts = st.builds(_gate_stmt, names, args, st.lists(qubit_refs, max_size=3).map(tuple), st.booleans())
param_decls = st.builds(A.ParamDecl, names, st.lists(st.integers(1, 9), max_size=3).map(tuple),
                        st.none() | exprs)
readouts = st.builds(A.Readout, st.lists(readout_items, min_size=1, max_size=3).map(tuple))

qstmts = st.recursive(
    st.one_of(gate_stmts, param_decls, readouts),
    lambda sub: st.one_of(
        st.builds(A.For, names, ranges, st.lists(sub, max_size=3).map(tuple)),
        st.builds(A.Repeat, exprs, st.none() | names, st.lists(sub, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)
qbodies = st.lists(qstmts, max_size=4).map(tuple)

quantum_defs = st.builds(A.QuantumDef, names,
                         st.lists(st.builds(A.DataArg, names, ints), max_size=2).map(tuple),
                         names, ints, qbodies)
gate_defs = st.builds(A.GateDef, names, st.lists(names, max_size=3).map(tuple),
                      st.lists(names, min_size=1, max_size=3).map(tuple), qbodies)
calls_or_names = st.one_of(exprs, subscripts)
model_items = st.one_of(
    st.builds(A.Port, st.sampled_from(["input", "output"]), names, ints),
    st.builds(A.LayerDecl, names, exprs),
    quantum_defs,
    st.builds(A.Forward, st.lists(st.builds(A.Assign, st.lists(names, min_size=1, max_size=3).map(tuple),
                                            calls_or_names), max_size=3).map(tuple)),
    st.builds(A.Train, st.lists(st.builds(A.Setting, st.lists(names, min_size=1, max_size=2).map(".".join),
                                          values), max_size=3).map(tuple)),
)
items = st.one_of(
    st.builds(A.Import, strings),
    st.builds(A.Include, strings, names),
    gate_defs,
    quantum_defs,
    st.builds(A.ModelDef, names, st.lists(model_items, max_size=5).map(tuple)),
)
programs = st.builds(A.Program, st.lists(items, max_size=4).map(tuple))
