"""Loader for the OpenQASM 2.0 files that a `.qml` model includes as a gate.

    include "ansatz.qasm" as ansatz;

`load_qasm(path)` parses such a file with Lark (LALR, contextual lexer) and flattens it into a
`QasmCircuit`: a qubit count and a sequence of `QasmOp`s drawn from a small set of primitive gates
(`PRIMITIVE_GATES`), with every angle evaluated to a number in radians.

What is accepted:

* the `OPENQASM 2.0;` header (required) and `include "qelib1.inc";` (optional: the qelib1 gates
  are built in either way; no other include is allowed);
* any number of `qreg` declarations, flattened into one index space in declaration order;
* every gate of qelib1.inc plus the built-ins `U` and `CX` (and `ryy`, which is not in qelib1 but
  is a primitive here); user `gate` definitions with parameters, calling earlier gates. A file
  that includes qelib1.inc may not redefine its gates; one that does not may (its definition
  then replaces the built-in one for the rest of the file);
* parameter expressions: numbers, `pi`, `+ - * / ^`, unary minus, parentheses and the functions
  `sin cos tan exp ln sqrt`;
* OpenQASM 2 register broadcasting (`h q;`, `cx a, b;`, `cx q[0], r;`);
* `barrier` (ignored).

Measurements, classical registers, `reset`, `if` and `opaque` are rejected: an included file is a
unitary gate. Every mistake raises a `QasmError` (a `LimitError` for inputs too large to expand,
a `FileError` for a file that is missing or cannot be read) whose span points into the OpenQASM
file; a file that is not UTF-8 is a `QasmError` pointing at its first bad byte.

This module imports only Lark and the standard library.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from qml_compiler.diagnostics import (FileError, LimitError, QasmError, Span, did_you_mean)
from qml_compiler.frontend.model import GATES

__all__ = ["QasmOp", "QasmCircuit", "PRIMITIVE_GATES", "QELIB1_GATES", "MAX_OPS", "load_qasm"]


# --- public data ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class QasmOp:
    """One primitive gate application."""

    name: str                  # one of PRIMITIVE_GATES
    qubits: tuple[int, ...]    # flat qubit indices (qregs concatenated in declaration order)
    params: tuple[float, ...]  # numeric angles in radians
    line: int                  # line in the qasm file of the statement that produced it


@dataclass(frozen=True)
class QasmCircuit:
    n_qubits: int
    ops: tuple[QasmOp, ...]


#: name -> (number of parameters, number of qubits). Semantics follow qelib1.inc: `u3` is the
#: OpenQASM `U`, `p` is `u1` = diag(1, e^{i lambda}), `cp` is `cu1`, `cu3` is qelib1's `cu3`
#: (the controlled u3 matrix), `rx/ry/rz` = exp(-i theta P/2), `crx/cry/crz` their controlled
#: versions, `rxx/ryy/rzz` = exp(-i theta PP/2).
PRIMITIVE_GATES: dict[str, tuple[int, int]] = GATES  # the same primitives as the language

#: The gates that qelib1.inc defines (a user file that includes it may not redefine them).
QELIB1_GATES: frozenset[str] = frozenset(
    "u3 u2 u1 cx id u0 u p x y z h s sdg t tdg rx ry rz sx sxdg cz cy swap ch ccx cswap crx cry "
    "crz cu1 cp cu3 csx cu rxx rzz rccx rc3x c3x c3sqrtx c4x".split())

#: The most primitive operations one file may expand to.
MAX_OPS = 1_000_000
#: The most gate applications (primitive or not) that expanding one file may visit.
MAX_STEPS = 5_000_000
#: The most qubits one file may declare.
MAX_QUBITS = 1_000_000


# --- grammar -------------------------------------------------------------------------------------

QASM_GRAMMAR = r"""
start: header _stmt*

header: OPENQASM NUMBER ";"

_stmt: include | qreg | creg | gatedecl | opaque | call | barrier | measure | reset | ifstmt

include: "include" STRING ";"
qreg: "qreg" ID "[" NUMBER "]" ";"
creg: CREG ID "[" NUMBER "]" ";"
gatedecl: "gate" ID paramdecl? idlist "{" gatebody "}"
paramdecl: "(" idlist? ")"
gatebody: (call | barrier)*
opaque: OPAQUE ID paramdecl? idlist ";"
call: ID callparams? arglist ";"
callparams: "(" explist? ")"
barrier: "barrier" arglist ";"
measure: MEASURE arg "->" arg ";"
reset: RESET arg ";"
ifstmt: IF "(" ID "==" NUMBER ")" (call | measure | reset)

explist: exp ("," exp)*
idlist: ID ("," ID)*
arglist: arg ("," arg)*
arg: ID
   | ID "[" NUMBER "]"

?exp: term
    | exp "+" term -> add
    | exp "-" term -> sub
?term: factor
    | term "*" factor -> mul
    | term "/" factor -> div
?factor: power
    | "-" factor -> neg
    | "+" factor -> pos
?power: atom
    | atom "^" factor -> pow
?atom: NUMBER -> num
    | "pi" -> pi
    | ID -> var
    | SIN "(" exp ")" -> func
    | COS "(" exp ")" -> func
    | TAN "(" exp ")" -> func
    | EXP "(" exp ")" -> func
    | LN "(" exp ")" -> func
    | SQRT "(" exp ")" -> func
    | "(" exp ")"

OPENQASM: "OPENQASM"
CREG: "creg"
OPAQUE: "opaque"
MEASURE: "measure"
RESET: "reset"
IF: "if"
SIN: "sin"
COS: "cos"
TAN: "tan"
EXP: "exp"
LN: "ln"
SQRT: "sqrt"

ID: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?/
STRING: /"[^"\n]*"/
COMMENT: /\/\/[^\n]*/
WS: /[ \t\f\r\n]+/

%ignore WS
%ignore COMMENT
"""

_PARSER: Lark | None = None


def _parser() -> Lark:
    """The Lark parser, built on first use and reused."""
    global _PARSER
    if _PARSER is None:
        _PARSER = Lark(QASM_GRAMMAR, parser="lalr", lexer="contextual",
                       propagate_positions=True, maybe_placeholders=False)
    return _PARSER


#: The qelib1.inc gates that are not primitives here, with their qelib1.inc definitions. They are
#: expanded by the same machinery as a user's gates. One deliberate difference: qelib1.inc's
#: `c4x` applies `rc3x` twice, which leaves a relative phase (-1 wherever the first two controls
#: are 1); here the second application is the inverse of `rc3x`, as in Qiskit's C4XGate, so that
#: `c4x` is exactly the 4-controlled X that Qiskit and pytket read it as. Names starting with
#: `__` are helpers that a user cannot call.
_QELIB1_EXTRA = """OPENQASM 2.0;
gate csx a, b { h b; cu1(pi/2) a, b; h b; }
gate cu(theta, phi, lambda, gamma) c, t {
  p(gamma) c;
  p((lambda + phi)/2) c;
  p((lambda - phi)/2) t;
  cx c, t;
  u(-theta/2, 0, -(phi + lambda)/2) t;
  cx c, t;
  u(theta/2, phi, 0) t;
}
gate rccx a, b, c {
  u2(0, pi) c; u1(pi/4) c; cx b, c; u1(-pi/4) c; cx a, c;
  u1(pi/4) c; cx b, c; u1(-pi/4) c; u2(0, pi) c;
}
gate rc3x a, b, c, d {
  u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d;
  cx a, d; u1(pi/4) d; cx b, d; u1(-pi/4) d; cx a, d;
  u1(pi/4) d; cx b, d; u1(-pi/4) d; u2(0, pi) d; u1(pi/4) d;
  cx c, d; u1(-pi/4) d; u2(0, pi) d;
}
gate c3x a, b, c, d {
  h d;
  p(pi/8) a; p(pi/8) b; p(pi/8) c; p(pi/8) d;
  cx a, b; p(-pi/8) b; cx a, b;
  cx b, c; p(-pi/8) c; cx a, c; p(pi/8) c; cx b, c; p(-pi/8) c; cx a, c;
  cx c, d; p(-pi/8) d; cx b, d; p(pi/8) d; cx c, d; p(-pi/8) d; cx a, d;
  p(pi/8) d; cx c, d; p(-pi/8) d; cx b, d; p(pi/8) d; cx c, d; p(-pi/8) d; cx a, d;
  h d;
}
gate c3sqrtx a, b, c, d {
  h d; cu1(pi/8) a, d; h d;
  cx a, b;
  h d; cu1(-pi/8) b, d; h d;
  cx a, b;
  h d; cu1(pi/8) b, d; h d;
  cx b, c;
  h d; cu1(-pi/8) c, d; h d;
  cx a, c;
  h d; cu1(pi/8) c, d; h d;
  cx b, c;
  h d; cu1(-pi/8) c, d; h d;
  cx a, c;
  h d; cu1(pi/8) c, d; h d;
}
gate __rc3x_inverse a, b, c, d {
  u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d;
  u1(pi/4) d; cx b, d; u1(-pi/4) d; cx a, d; u1(pi/4) d;
  cx b, d; u1(-pi/4) d; cx a, d; u2(0, pi) d; u1(pi/4) d;
  cx c, d; u1(-pi/4) d; u2(0, pi) d;
}
gate c4x a, b, c, d, e {
  h e; cu1(pi/2) d, e; h e;
  rc3x a, b, c, d;
  h e; cu1(-pi/2) d, e; h e;
  __rc3x_inverse a, b, c, d;
  c3sqrtx a, b, c, e;
}
"""
_QELIB1_FILE = "qelib1.inc"

_RESERVED = frozenset(
    "OPENQASM include qreg creg gate opaque measure reset barrier if pi "
    "sin cos tan exp ln sqrt".split())


# --- gates ---------------------------------------------------------------------------------------

class _Gate:
    """A gate known to the loader: either direct (maps to at most one primitive) or a body."""

    __slots__ = ("name", "n_params", "n_qubits", "target", "transform", "body", "n_ops",
                 "n_steps", "line", "file")

    def __init__(self, name: str, n_params: int, n_qubits: int, *, target: str | None = None,
                 transform: Callable[[tuple[float, ...]], tuple[float, ...]] | None = None,
                 body: tuple["_Call", ...] | None = None, line: int = 0, file: str = ""):
        self.name = name
        self.n_params = n_params
        self.n_qubits = n_qubits
        self.target = target          # primitive name, or None to emit nothing (id, u0)
        self.transform = transform    # maps the gate's params to the primitive's
        self.body = body              # None for a direct gate
        self.line = line
        self.file = file
        if body is None:
            self.n_ops = 1 if target is not None else 0
            self.n_steps = 1
        else:
            self.n_ops = sum(c.gate.n_ops for c in body)
            self.n_steps = 1 + sum(c.gate.n_steps for c in body)


class _Call:
    """One gate application inside a gate body."""

    __slots__ = ("gate", "params", "qubits", "span")

    def __init__(self, gate: _Gate, params: tuple, qubits: tuple[int, ...], span: Span):
        self.gate = gate
        self.params = params   # per parameter: a float, or code for `_evaluate`
        self.qubits = qubits   # indices into the enclosing gate's qubit arguments
        self.span = span


def _direct_gates() -> dict[str, _Gate]:
    gates = {name: _Gate(name, np_, nq, target=name)
             for name, (np_, nq) in PRIMITIVE_GATES.items()}
    half_pi = math.pi / 2
    gates["U"] = _Gate("U", 3, 1, target="u3")
    gates["u"] = _Gate("u", 3, 1, target="u3")
    gates["u2"] = _Gate("u2", 2, 1, target="u3", transform=lambda p: (half_pi, p[0], p[1]))
    gates["u1"] = _Gate("u1", 1, 1, target="p")
    gates["cu1"] = _Gate("cu1", 1, 2, target="cp")
    gates["CX"] = _Gate("CX", 0, 2, target="cx")
    gates["id"] = _Gate("id", 0, 1, target=None)
    gates["u0"] = _Gate("u0", 1, 1, target=None)
    return gates


_BUILTINS: dict[str, _Gate] | None = None


def _builtins() -> dict[str, _Gate]:
    """The gates known without definition: U, CX, the qelib1 gates and the primitives."""
    global _BUILTINS
    if _BUILTINS is None:
        direct = _direct_gates()
        library = _Loader(_QELIB1_FILE, _QELIB1_EXTRA, builtins=direct, library=True)
        library.run()
        _BUILTINS = {**direct, **{name: gate for name, gate in library.gates.items()
                                  if not name.startswith("__")}}
    return _BUILTINS


# --- parameter expressions -----------------------------------------------------------------------
# An expression compiles to a float (when it has no gate parameters in it) or to a tuple of
# instructions for a stack machine: (opcode, argument, span). Compiling and evaluating are both
# iterative, so that no nesting depth can exhaust the Python stack.

_CONST, _VAR, _NEG, _FUNC, _ADD, _SUB, _MUL, _DIV, _POW = range(9)
_BINARY = {"add": _ADD, "sub": _SUB, "mul": _MUL, "div": _DIV, "pow": _POW}


class _EvalError(Exception):
    def __init__(self, message: str, span: Span):
        super().__init__(message)
        self.message = message
        self.span = span


def _apply_func(name: str, x: float) -> float:
    if name == "sin":
        return math.sin(x)
    if name == "cos":
        return math.cos(x)
    if name == "tan":
        return math.tan(x)
    if name == "exp":
        return math.exp(x)
    if name == "ln":
        if x <= 0:
            raise ValueError("`ln` of a number that is not positive")
        return math.log(x)
    if x < 0:  # sqrt
        raise ValueError("`sqrt` of a negative number")
    return math.sqrt(x)


def _pow(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise ZeroDivisionError
    if a < 0 and not float(b).is_integer():
        raise ValueError("a negative number raised to a power that is not a whole number")
    return math.pow(a, b)


def _evaluate(code: tuple, env: tuple[float, ...]) -> float:
    """Run compiled expression code; raises _EvalError pointing at the failing operation."""
    stack: list[float] = []
    for op, arg, span in code:
        try:
            if op == _CONST:
                stack.append(arg)
            elif op == _VAR:
                stack.append(env[arg])
            elif op == _NEG:
                stack[-1] = -stack[-1]
            elif op == _FUNC:
                stack[-1] = _apply_func(arg, stack[-1])
            else:
                b = stack.pop()
                a = stack[-1]
                if op == _ADD:
                    stack[-1] = a + b
                elif op == _SUB:
                    stack[-1] = a - b
                elif op == _MUL:
                    stack[-1] = a * b
                elif op == _DIV:
                    stack[-1] = a / b
                else:
                    stack[-1] = _pow(a, b)
        except ZeroDivisionError:
            raise _EvalError("division by zero" if op == _DIV
                             else "zero raised to a negative power", span) from None
        except OverflowError:
            raise _EvalError("the value is too large", span) from None
        except ValueError as e:
            msg = str(e) if op != _FUNC or str(e).startswith("`") else (
                f"`{arg}` of a number outside its domain")
            raise _EvalError(msg, span) from None
    value = stack[-1]
    if not math.isfinite(value):
        raise _EvalError("the value is not a finite number", code[-1][2])
    return value


# --- the loader ----------------------------------------------------------------------------------

_TERMINAL_WORDS = {
    "ID": "a name",
    "NUMBER": "a number",
    "STRING": 'a quoted file name such as "qelib1.inc"',
    "$END": "the end of the file",
}

_NOT_ALLOWED = {
    "creg": "classical registers are not allowed in an included OpenQASM file: it describes a "
            "unitary gate; declare readouts in the model",
    "measure": "measurements are not allowed in an included OpenQASM file: declare readouts in "
               "the model",
    "reset": "`reset` is not allowed in an included OpenQASM file: it describes a unitary gate",
    "if": "classically controlled operations (`if`) are not allowed in an included OpenQASM "
          "file: it describes a unitary gate",
    "opaque": "opaque gates are not allowed in an included OpenQASM file: every gate needs a "
              "definition so that it can be simulated",
}


# whitespace and comments (possessive, so that a failing match cannot backtrack exponentially)
_SKIP = re.compile(r"(?:[ \t\f\r\n]|//[^\n]*+)*+")
_HEADER = re.compile(r"OPENQASM(?![A-Za-z0-9_])[ \t\f\r\n]*+([^\s;]*+)")
_WORD = re.compile(r"\S{1,40}")
_FORBIDDEN = re.compile(r"(?:[ \t\f\r\n]|//[^\n]*+)*+(creg|measure|reset|opaque|if)"
                        r"(?![A-Za-z0-9_])")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Loader:
    def __init__(self, path: str, text: str, *, builtins: dict[str, _Gate] | None = None,
                 library: bool = False):
        self.path = path
        self.text = text
        self.library = library
        self.builtins = builtins if builtins is not None else _builtins()
        self.gates: dict[str, _Gate] = {}        # gates defined in this file
        self.regs: dict[str, tuple[int, int, int]] = {}  # name -> (offset, size, line)
        self.n_qubits = 0
        self.ops: list[QasmOp] = []
        self.steps = 0
        self.qelib1_included = False
        self.later_gates: dict[str, int] = {}    # every gate declared in the file -> its line

    # -- errors ----------------------------------------------------------------------------------

    def error(self, message: str, span: Span, hint: str | None = None,
              cls: type = QasmError) -> QasmError:
        return cls(message, span, hint=hint, source=self.text)

    def tok_span(self, tok: Token) -> Span:
        line = tok.line or 1
        col = tok.column or 1
        end_line = tok.end_line or line
        end_col = tok.end_column or (col + max(len(str(tok)), 1))
        return Span(self.path, line, col, end_line, end_col)

    def tree_span(self, tree: Tree) -> Span:
        meta = tree.meta
        if getattr(meta, "empty", True):
            return Span(self.path, 1, 1, 1, 2)
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def end_span(self) -> Span:
        lines = self.text.split("\n")
        return Span.point(self.path, len(lines), len(lines[-1]) + 1)

    # -- parsing ---------------------------------------------------------------------------------

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset in the text."""
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def check_header(self) -> None:
        """The file must start with `OPENQASM 2.0;` (checked before parsing, for a clear error)."""
        pos = _SKIP.match(self.text).end()
        head = _HEADER.match(self.text, pos)
        if head is None:
            word = _WORD.match(self.text, pos)
            line, col = self.position(pos)
            span = Span.point(self.path, line, col, len(word.group(0)) if word else 1)
            raise self.error("missing `OPENQASM 2.0;` header: an included OpenQASM file must "
                             "start with it", span,
                             hint="add `OPENQASM 2.0;` as the first line")
        version = head.group(1)
        if version and not re.fullmatch(r"2(\.0*)?", version):
            line, col = self.position(head.start(1))
            raise self.error(f"unsupported OpenQASM version `{version}`: only OpenQASM 2.0 files "
                             "can be included", Span.point(self.path, line, col, len(version)))

    def describe_terminals(self, names: Iterable[str]) -> str:
        parser = _parser()
        words: list[str] = []
        for name in names:
            if name in _TERMINAL_WORDS:
                word = _TERMINAL_WORDS[name]
            else:
                try:
                    pattern = parser.get_terminal(name).pattern
                except (KeyError, AttributeError, LarkError):
                    continue
                if pattern.type != "str":
                    continue
                word = f"`{pattern.value}`"
            if word not in words:
                words.append(word)
        # names and numbers first, then punctuation and keywords in alphabetical order
        words.sort(key=lambda w: (not w.startswith("a "), w != "the end of the file", w))
        if not words:
            return ""
        if len(words) > 8:
            words = words[:8] + ["..."]
        if len(words) == 1:
            return words[0]
        return ", ".join(words[:-1]) + " or " + words[-1]

    def describe_token(self, tok: Token) -> str:
        if tok.type == "$END":
            return "end of file"
        value = str(tok)
        if tok.type == "ID":
            return f"name `{value}`"
        if tok.type == "NUMBER":
            return f"number `{value}`"
        if tok.type == "STRING":
            return f"string {value}"
        return f"`{value}`"

    def forbidden_statement(self, pos: int | None) -> QasmError | None:
        """If the statement that failed to parse starts with `measure`, `reset`, ... (which are
        not allowed at all), the error that says so; else None."""
        if pos is None:
            return None
        start = max(self.text.rfind(c, 0, pos) for c in ";{}") + 1
        m = _FORBIDDEN.match(self.text, start)
        if m is None or m.start(1) > pos:
            return None
        line, col = self.position(m.start(1))
        return self.error(_NOT_ALLOWED[m.group(1)],
                          Span.point(self.path, line, col, len(m.group(1))))

    def syntax_error(self, e: UnexpectedInput) -> QasmError:
        pos = (e.token.start_pos if isinstance(e, UnexpectedToken)
               else getattr(e, "pos_in_stream", None))
        if isinstance(e, UnexpectedToken) and e.token.type == "$END":
            pos = len(self.text)
        forbidden = self.forbidden_statement(pos)
        if forbidden is not None:
            # e.g. `measure` inside a gate body: say why it is wrong, not what was expected
            return forbidden
        if isinstance(e, UnexpectedToken):
            tok = e.token
            if tok.type == "$END" or not tok.line:
                span = self.end_span()
            else:
                span = self.tok_span(tok)
            try:
                acceptable = set(e.accepts or e.expected or ())
            except Exception:  # pragma: no cover - computing `accepts` is best effort
                acceptable = set(e.expected or ())
            expected = self.describe_terminals(sorted(acceptable))
            msg = f"syntax error: unexpected {self.describe_token(tok)}"
            if expected:
                msg += f"; expected {expected}"
            hint = None
            if "SEMICOLON" in acceptable:
                hint = "every statement ends with `;`"
            return self.error(msg, span, hint)
        if isinstance(e, UnexpectedCharacters):
            ch = e.char
            shown = f"`{ch}`" if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            span = Span.point(self.path, e.line, e.column)
            expected = self.describe_terminals(sorted(e.allowed or ()))
            msg = f"syntax error: unexpected character {shown}"
            if expected:
                msg += f"; expected {expected}"
            return self.error(msg, span)
        line = getattr(e, "line", 1) or 1
        col = getattr(e, "column", 1) or 1
        return self.error("syntax error", Span.point(self.path, line, col))

    def parse(self) -> Tree:
        try:
            return _parser().parse(self.text)
        except UnexpectedInput as e:
            raise self.syntax_error(e) from None
        except LarkError as e:  # pragma: no cover - defensive
            raise self.error(f"syntax error: {e}", Span.point(self.path, 1, 1)) from None

    # -- statements ------------------------------------------------------------------------------

    def run(self) -> QasmCircuit:
        self.check_header()
        tree = self.parse()
        stmts = [c for c in tree.children if isinstance(c, Tree)][1:]  # skip the header
        for st in stmts:
            if st.data == "gatedecl":
                name_tok = st.children[0]
                self.later_gates.setdefault(str(name_tok), name_tok.line)
        for st in stmts:
            kind = st.data
            if kind == "include":
                self.include(st)
            elif kind == "qreg":
                self.qreg(st)
            elif kind == "gatedecl":
                self.gatedecl(st)
            elif kind == "call":
                self.top_call(st)
            elif kind == "barrier":
                self.top_barrier(st)
            else:  # creg, measure, reset, opaque, if
                key = {"ifstmt": "if"}.get(kind, kind)
                first = st.children[0]
                span = self.tok_span(first) if isinstance(first, Token) else self.tree_span(st)
                raise self.error(_NOT_ALLOWED[key], span)
        if not self.library and self.n_qubits == 0:
            raise self.error("the OpenQASM file declares no qubits: add a `qreg`",
                             self.tok_span(tree.children[0].children[0]))
        return QasmCircuit(self.n_qubits, tuple(self.ops))

    def include(self, st: Tree) -> None:
        tok = st.children[0]
        name = str(tok)[1:-1]
        if name != "qelib1.inc":
            raise self.error(f"cannot include `{name}`: an included OpenQASM file may only "
                             'include "qelib1.inc"', self.tok_span(tok),
                             hint="copy the gate definitions you need into this file")
        for gname, gate in self.gates.items():
            if gname in QELIB1_GATES:
                raise self.error(f"gate `{gname}` (defined on line {gate.line}) is also defined "
                                 "by qelib1.inc", self.tree_span(st),
                                 hint=f"rename your gate `{gname}`")
        self.qelib1_included = True

    def check_name(self, tok: Token, what: str) -> str:
        name = str(tok)
        if name in _RESERVED:
            raise self.error(f"`{name}` is a reserved word and cannot name {what}",
                             self.tok_span(tok))
        return name

    def whole_number(self, tok: Token, what: str) -> int:
        text = str(tok)
        if not (text.isascii() and text.isdigit()):
            raise self.error(f"{what} must be a whole number, not `{text}`", self.tok_span(tok))
        if len(text) > 12:
            return 10 ** 12
        return int(text)

    def qreg(self, st: Tree) -> None:
        name_tok, size_tok = st.children
        name = self.check_name(name_tok, "a register")
        if name in self.regs:
            raise self.error(f"register `{name}` is already declared on line "
                             f"{self.regs[name][2]}", self.tok_span(name_tok))
        size = self.whole_number(size_tok, "a register size")
        if size == 0:
            raise self.error(f"register `{name}` has no qubits: its size must be at least 1",
                             self.tok_span(size_tok))
        if self.n_qubits + size > MAX_QUBITS:
            raise self.error(f"too many qubits: the file declares more than {MAX_QUBITS:,}",
                             self.tok_span(size_tok), cls=LimitError)
        self.regs[name] = (self.n_qubits, size, name_tok.line)
        self.n_qubits += size

    def lookup(self, tok: Token, defining: str | None = None) -> _Gate:
        name = str(tok)
        if defining is not None and name == defining:
            raise self.error(f"gate `{name}` cannot call itself: recursive gate definitions are "
                             "not allowed", self.tok_span(tok))
        gate = self.gates.get(name) or self.builtins.get(name)
        if gate is not None:
            return gate
        if name in _NOT_ALLOWED:
            raise self.error(_NOT_ALLOWED[name], self.tok_span(tok))
        if name in _RESERVED:
            raise self.error(f"`{name}` is a reserved word, not a gate: it cannot be used here",
                             self.tok_span(tok))
        hint = None
        later = self.later_gates.get(name)
        if later is not None and later >= (tok.line or 0):
            hint = f"`{name}` is defined later, on line {later}: define a gate before using it"
        if hint is None:
            hint = did_you_mean(name, [*self.gates, *self.builtins])
        raise self.error(f"unknown gate `{name}`", self.tok_span(tok), hint)

    def split_call(self, st: Tree) -> tuple[Token, list, Tree, Tree | None]:
        name_tok = st.children[0]
        params: list = []
        params_tree = None
        args = st.children[-1]
        for c in st.children[1:-1]:
            if isinstance(c, Tree) and c.data == "callparams":
                params_tree = c
                if c.children:
                    params = list(c.children[0].children)
        return name_tok, params, args, params_tree

    def check_arity(self, gate: _Gate, name_tok: Token, params: list, params_tree: Tree | None,
                    n_args: int, args_span: Span) -> None:
        if len(params) != gate.n_params:
            span = self.tree_span(params_tree) if params_tree is not None else \
                self.tok_span(name_tok)
            raise self.error(f"gate `{gate.name}` takes {_plural(gate.n_params, 'parameter')}, "
                             f"but {len(params)} {'was' if len(params) == 1 else 'were'} given",
                             span)
        if n_args != gate.n_qubits:
            raise self.error(f"gate `{gate.name}` acts on {_plural(gate.n_qubits, 'qubit')}, "
                             f"but {n_args} {'was' if n_args == 1 else 'were'} given", args_span)

    # -- expressions -----------------------------------------------------------------------------

    def compile_expr(self, node: Tree, names: dict[str, int], gate_name: str | None):
        """Compile an expression tree: a float if it is constant, else stack-machine code."""
        code: list[tuple] = []
        has_var = False
        todo: list[tuple[Tree, bool]] = [(node, False)]
        while todo:
            n, done = todo.pop()
            kind = n.data
            if kind == "num":
                tok = n.children[0]
                value = float(str(tok))
                if not math.isfinite(value):
                    raise self.error(f"the number `{tok}` is too large", self.tok_span(tok))
                code.append((_CONST, value, self.tok_span(tok)))
            elif kind == "pi":
                code.append((_CONST, math.pi, self.tree_span(n)))
            elif kind == "var":
                tok = n.children[0]
                name = str(tok)
                if name not in names:
                    if gate_name is None:
                        raise self.error(f"unknown parameter `{name}`: only a gate definition has "
                                         "named parameters; use a number here",
                                         self.tok_span(tok))
                    raise self.error(f"unknown parameter `{name}` in gate `{gate_name}`",
                                     self.tok_span(tok), did_you_mean(name, names))
                has_var = True
                code.append((_VAR, names[name], self.tok_span(tok)))
            elif done:
                if kind == "neg":
                    code.append((_NEG, None, self.tree_span(n)))
                elif kind == "func":
                    code.append((_FUNC, str(n.children[0]), self.tree_span(n)))
                elif kind in _BINARY:
                    code.append((_BINARY[kind], None, self.tree_span(n)))
                # "pos" emits nothing
            else:
                todo.append((n, True))
                for child in reversed(n.children):
                    if isinstance(child, Tree):
                        todo.append((child, False))
        result = tuple(code)
        if has_var:
            return result
        try:
            return _evaluate(result, ())
        except _EvalError as e:
            raise self.error(e.message, e.span) from None

    # -- gate definitions ------------------------------------------------------------------------

    def gatedecl(self, st: Tree) -> None:
        name_tok = st.children[0]
        name = str(name_tok)
        span = self.tok_span(name_tok)
        param_names: list[Token] = []
        qubit_names: list[Token] = []
        body: Tree | None = None
        for c in st.children[1:]:
            if c.data == "paramdecl":
                if c.children:
                    param_names = list(c.children[0].children)
            elif c.data == "idlist":
                qubit_names = list(c.children)
            else:
                body = c
        self.check_name(name_tok, "a gate")
        if not self.library:
            if name in ("U", "CX"):
                raise self.error(f"`{name}` is a built-in gate of OpenQASM and cannot be "
                                 "redefined", span)
            if name in self.gates:
                raise self.error(f"gate `{name}` is already defined on line "
                                 f"{self.gates[name].line}", span)
            if self.qelib1_included and name in QELIB1_GATES:
                raise self.error(f"gate `{name}` is already defined by qelib1.inc", span,
                                 hint="rename your gate, or remove the include to replace "
                                      "the qelib1 definition")
        seen: dict[str, str] = {}
        for tok, what in [*((t, "parameter") for t in param_names),
                          *((t, "qubit argument") for t in qubit_names)]:
            arg = self.check_name(tok, f"a {what}")
            if arg in seen:
                raise self.error(f"`{arg}` is declared twice in gate `{name}` (as a "
                                 f"{seen[arg]} and as a {what})" if seen[arg] != what else
                                 f"{what} `{arg}` is declared twice in gate `{name}`",
                                 self.tok_span(tok))
            seen[arg] = what
        pindex = {str(t): i for i, t in enumerate(param_names)}
        qindex = {str(t): i for i, t in enumerate(qubit_names)}
        calls: list[_Call] = []
        for gop in (body.children if body is not None else ()):
            if gop.data == "barrier":
                for arg in gop.children[0].children:
                    self.body_qubit(arg, qindex, pindex, name)
                continue
            callee_tok, params, args, params_tree = self.split_call(gop)
            callee = self.lookup(callee_tok, defining=name)
            self.check_arity(callee, callee_tok, params, params_tree, len(args.children),
                             self.tree_span(args))
            codes = tuple(self.compile_expr(p, pindex, name) for p in params)
            qubits = tuple(self.body_qubit(a, qindex, pindex, name) for a in args.children)
            if len(set(qubits)) != len(qubits):
                dup = next(str(a.children[0]) for i, a in enumerate(args.children)
                           if qubits.index(qubits[i]) != i)
                raise self.error(f"qubit `{dup}` is used twice in one application of gate "
                                 f"`{callee.name}`", self.tree_span(args))
            calls.append(_Call(callee, codes, qubits, self.tree_span(gop)))
        self.gates[name] = _Gate(name, len(param_names), len(qubit_names), body=tuple(calls),
                                 line=name_tok.line, file=self.path)

    def body_qubit(self, arg: Tree, qindex: dict[str, int], pindex: dict[str, int],
                   gate_name: str) -> int:
        tok = arg.children[0]
        name = str(tok)
        if len(arg.children) > 1:
            raise self.error("indexed qubits are not allowed inside a gate definition: use the "
                             "gate's qubit arguments", self.tree_span(arg))
        if name not in qindex:
            if name in pindex:
                msg = f"`{name}` is a parameter of gate `{gate_name}`, not a qubit argument"
            elif name in self.regs:
                msg = (f"register `{name}` cannot be used inside gate `{gate_name}`: a gate "
                       "only acts on its qubit arguments")
            else:
                msg = f"`{name}` is not a qubit argument of gate `{gate_name}`"
            raise self.error(msg, self.tok_span(tok), did_you_mean(name, qindex))
        return qindex[name]

    # -- top-level operations --------------------------------------------------------------------

    def resolve_arg(self, arg: Tree) -> tuple[str, int, int, int | None]:
        """(register, offset, size, index or None for the whole register)."""
        tok = arg.children[0]
        name = str(tok)
        if name not in self.regs:
            raise self.error(f"unknown register `{name}`", self.tok_span(tok),
                             did_you_mean(name, self.regs))
        offset, size, _ = self.regs[name]
        if len(arg.children) == 1:
            return name, offset, size, None
        idx_tok = arg.children[1]
        index = self.whole_number(idx_tok, "a qubit index")
        if index >= size:
            raise self.error(f"qubit index {idx_tok} is out of range for register `{name}` of "
                             f"size {size} (valid indices are 0 to {size - 1})",
                             self.tree_span(arg))
        return name, offset, size, index

    def qubit_name(self, flat: int) -> str:
        for name, (offset, size, _) in self.regs.items():
            if offset <= flat < offset + size:
                return f"{name}[{flat - offset}]"
        return f"qubit {flat}"  # pragma: no cover

    def broadcast(self, args: Tree) -> tuple[list[tuple[int, int | None]], int]:
        """The resolved arguments, as (offset, index or None), and the number of applications."""
        resolved = [self.resolve_arg(a) for a in args.children]
        whole = [(name, size) for name, _, size, idx in resolved if idx is None]
        n = 1
        if whole:
            n = whole[0][1]
            for name, size in whole[1:]:
                if size != n:
                    raise self.error(
                        f"registers of different sizes cannot be broadcast together: "
                        f"`{whole[0][0]}` has {_plural(n, 'qubit')} and `{name}` has "
                        f"{_plural(size, 'qubit')}", self.tree_span(args))
        return [(off, idx) for _, off, _, idx in resolved], n

    def top_barrier(self, st: Tree) -> None:
        for arg in st.children[0].children:
            self.resolve_arg(arg)

    def top_call(self, st: Tree) -> None:
        name_tok, params, args, params_tree = self.split_call(st)
        gate = self.lookup(name_tok)
        span = self.tree_span(st)
        self.check_arity(gate, name_tok, params, params_tree, len(args.children),
                         self.tree_span(args))
        values = tuple(self.compile_expr(p, {}, None) for p in params)
        resolved, k = self.broadcast(args)
        if len(self.ops) + k * gate.n_ops > MAX_OPS:
            raise self.error(f"the OpenQASM file expands to more than {MAX_OPS:,} operations",
                             span, cls=LimitError)
        if self.steps + k * gate.n_steps > MAX_STEPS:
            raise self.error(f"expanding the gates of the OpenQASM file takes more than "
                             f"{MAX_STEPS:,} steps", span, cls=LimitError)
        self.steps += k * gate.n_steps
        for i in range(k):
            qubits = tuple(off + (i if idx is None else idx) for off, idx in resolved)
            if len(set(qubits)) != len(qubits):
                dup = next(q for i, q in enumerate(qubits) if qubits.index(q) != i)
                raise self.error(f"qubit {self.qubit_name(dup)} is used twice in one application "
                                 f"of gate `{gate.name}`", span)
            self.expand(gate, values, qubits, st.meta.line)

    def expand(self, gate: _Gate, values: tuple[float, ...], qubits: tuple[int, ...],
               line: int) -> None:
        ops = self.ops
        if gate.body is None:
            if gate.target is not None:
                params = gate.transform(values) if gate.transform else values
                ops.append(QasmOp(gate.target, qubits, params, line))
            return
        # an explicit stack instead of recursion: gate nesting can be as deep as the file is long
        stack: list[list] = [[gate.body, 0, values, qubits, gate]]
        while stack:
            frame = stack[-1]
            body, i, env, qs, g = frame
            if i == len(body):
                stack.pop()
                continue
            frame[1] = i + 1
            call = body[i]
            callee = call.gate
            try:
                vals = tuple(p if type(p) is float else _evaluate(p, env) for p in call.params)
            except _EvalError as e:
                where = e.span if g.file == self.path else Span.point(self.path, line, 1)
                raise self.error(f"{e.message} (in gate `{g.name}`, expanded from line {line})",
                                 where) from None
            q = tuple(qs[j] for j in call.qubits)
            if callee.body is None:
                if callee.target is not None:
                    ops.append(QasmOp(callee.target, q,
                                      callee.transform(vals) if callee.transform else vals, line))
            else:
                stack.append([callee.body, 0, vals, q, callee])


# --- entry point ---------------------------------------------------------------------------------

def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise FileError(f"cannot find the OpenQASM file `{path}`",
                        Span(path, 0, 0, 0, 0)) from None
    except IsADirectoryError:
        raise FileError(f"`{path}` is a directory, not an OpenQASM file",
                        Span(path, 0, 0, 0, 0)) from None
    except OSError as e:
        raise FileError(f"cannot read the OpenQASM file `{path}`: {e.strerror or e}",
                        Span(path, 0, 0, 0, 0)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[:e.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        source = data.decode("utf-8", errors="replace")
        raise QasmError(f"the OpenQASM file is not valid UTF-8 text (byte 0x{data[e.start]:02x} "
                        f"at line {line}, column {col})", Span.point(path, line, col),
                        hint="save the file with UTF-8 encoding", source=source) from None


def load_qasm(path: str, text: str | None = None) -> QasmCircuit:
    """Load an OpenQASM 2.0 file as a flat circuit of primitive gates.

    `path` names the file in diagnostics; it is read (as UTF-8) only when `text` is None.
    Raises `QasmError` for any mistake in the file, `LimitError` when it expands to more than
    `MAX_OPS` operations, and `FileError` when it cannot be read.
    """
    path = str(path)
    if text is None:
        text = _read(path)
    if text.startswith("\ufeff"):
        text = text[1:]
    loader = _Loader(path, text)
    try:
        return loader.run()
    except RecursionError:  # pragma: no cover - every walk above is iterative; a last resort
        raise LimitError("the OpenQASM file is nested too deeply to process",
                         Span.point(path, 1, 1), source=text) from None
