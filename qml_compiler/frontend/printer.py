"""Syntax tree back to canonical `.qml` source.

One layout for every program (four-space indents, one statement a line, minimal parentheses), so
that `parse(to_source(tree)) == tree` holds for every tree the parser can produce; the tests check
that on every example and on generated programs.
"""

from __future__ import annotations

from . import ast as A

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "**": 4}
_NEG_PREC = 3


def _num(v: float | int) -> str:
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return str(v)
    text = repr(float(v))
    return text if any(c in text for c in ".e") else text + ".0"


def expr(e, parent: int = 0) -> str:
    """An expression, parenthesised only where precedence needs it."""
    if isinstance(e, A.Num):
        return _num(e.value)
    if isinstance(e, A.Var):
        return e.name
    if isinstance(e, A.Str):
        return f'"{e.value}"'
    if isinstance(e, A.KwArg):
        return f"{e.name}={expr(e.value)}"
    if isinstance(e, A.ListLit):
        inner = ", ".join(expr(i) for i in e.items)
        if e.is_tuple:
            return f"({inner},)" if len(e.items) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(e, A.Call):
        return f"{e.name}({', '.join(expr(a) for a in e.args)})"
    if isinstance(e, A.Subscript):
        return f"{e.name}[{', '.join(_index(i) for i in e.indices)}]"
    if isinstance(e, A.Neg):
        text = "-" + expr(e.operand, _NEG_PREC)
        return f"({text})" if parent > _NEG_PREC else text
    if isinstance(e, A.BinOp):
        p = _PREC[e.op]
        if e.op == "**":  # right-associative; its left side is an atom in the grammar
            text = f"{expr(e.left, 5)} ** {expr(e.right, _NEG_PREC)}"
        else:  # left-associative: a right operand of equal precedence needs parentheses
            text = f"{expr(e.left, p)} {e.op} {expr(e.right, p + 1)}"
        return f"({text})" if parent > p else text
    raise TypeError(f"not an expression: {e!r}")


def _index(i) -> str:
    if isinstance(i, A.Slice):
        return f"{expr(i.start) if i.start is not None else ''}:{expr(i.stop) if i.stop is not None else ''}"
    return expr(i)


def _qubit(q: A.QubitRef) -> str:
    return q.register if q.index is None else f"{q.register}[{expr(q.index)}]"


def _range(r: A.Range) -> str:
    parts = [r.start] + [x for x in (r.stop, r.step) if x is not None]
    return f"range({', '.join(expr(p) for p in parts)})"


def _pauli_term(t: A.PauliTerm, first: bool) -> str:
    sign = "-" if t.coeff < 0 or (t.coeff == 0 and str(t.coeff).startswith("-")) else "+"
    mag = abs(t.coeff)
    factors = "*".join(f"{f.letter}{f.qubit.value}" if isinstance(f.qubit, A.Num) and isinstance(f.qubit.value, int)
                       else f"{f.letter}[{expr(f.qubit)}]" for f in t.factors)
    if not t.factors:
        body = _num(float(mag))
    elif mag == 1.0:
        body = factors
    else:
        body = f"{_num(float(mag))}*{factors}"
    if first:
        return body if sign == "+" else f"-{body}"
    return f" {sign} {body}"


def _readout_item(item) -> str:
    if isinstance(item, A.Expval):
        text = "expval(" + "".join(_pauli_term(t, i == 0) for i, t in enumerate(item.terms)) + ")"
        if item.loop is not None:
            text += f" for {item.loop[0]} in {_range(item.loop[1])}"
        return text
    if isinstance(item, A.Probs):
        return f"probs({', '.join(_qubit(q) for q in item.qubits)})"
    qubits = "".join(_qubit(q) + ", " for q in item.qubits)
    return f"samples({qubits}shots={expr(item.shots)})"


def _stmts(body, indent: int) -> list[str]:
    out: list[str] = []
    for s in body:
        out.extend(stmt(s, indent))
    return out


def stmt(s, indent: int = 0) -> list[str]:
    """The lines of one statement or definition."""
    pad = "    " * indent
    if isinstance(s, A.ParamDecl):
        shape = f"[{', '.join(map(str, s.shape))}]" if s.shape else ""
        init = f" init {expr(s.init)}" if s.init is not None else ""
        return [f"{pad}param {s.name}{shape}{init};"]
    if isinstance(s, A.GateStmt):
        args = f"({', '.join(expr(a) for a in s.args)})" if s.has_parens or s.args else ""
        qubits = (" " + ", ".join(_qubit(q) for q in s.qubits)) if s.qubits else ""
        return [f"{pad}{s.name}{args}{qubits};"]
    if isinstance(s, A.For):
        return [f"{pad}for {s.var} in {_range(s.range)} {{", *_stmts(s.body, indent + 1), f"{pad}}}"]
    if isinstance(s, A.Repeat):
        var = f" as {s.var}" if s.var else ""
        return [f"{pad}repeat {expr(s.count)}{var} {{", *_stmts(s.body, indent + 1), f"{pad}}}"]
    if isinstance(s, A.Readout):
        return [f"{pad}readout {', '.join(_readout_item(i) for i in s.items)};"]
    if isinstance(s, A.GateDef):
        params = f"({', '.join(s.params)})" if s.params else ""
        return [f"{pad}gate {s.name}{params} {', '.join(s.qubits)} {{", *_stmts(s.body, indent + 1),
                f"{pad}}}"]
    if isinstance(s, A.QuantumDef):
        inputs = ", ".join(f"{d.name}[{d.width}]" for d in s.inputs)
        return [f"{pad}quantum {s.name}({inputs}) on {s.register}[{s.n_qubits}] {{",
                *_stmts(s.body, indent + 1), f"{pad}}}"]
    if isinstance(s, A.Port):
        return [f"{pad}{s.kind} {s.name}[{s.width}];"]
    if isinstance(s, A.LayerDecl):
        return [f"{pad}layer {s.name} = {expr(s.value)};"]
    if isinstance(s, A.Forward):
        inner = "    " * (indent + 1)
        return [f"{pad}forward {{",
                *[f"{inner}{', '.join(a.targets)} = {expr(a.value)};" for a in s.assigns], f"{pad}}}"]
    if isinstance(s, A.Train):
        inner = "    " * (indent + 1)
        return [f"{pad}train {{", *[f"{inner}{x.key} = {expr(x.value)};" for x in s.settings], f"{pad}}}"]
    if isinstance(s, A.ModelDef):
        return [f"{pad}model {s.name} {{", *_stmts(s.items, indent + 1), f"{pad}}}"]
    if isinstance(s, A.Import):
        return [f'{pad}import "{s.path}";']
    if isinstance(s, A.Include):
        return [f'{pad}include "{s.path}" as {s.name};']
    raise TypeError(f"not a statement: {s!r}")


def to_source(program: A.Program) -> str:
    """Canonical source text of a whole program."""
    blocks = ["\n".join(stmt(item)) for item in program.items]
    return "\n\n".join(blocks) + ("\n" if blocks else "")
