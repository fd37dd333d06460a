"""Source text to syntax tree: Lark's LALR parser with the AST built during the parse.

The builder is passed to Lark as its transformer, so no parse tree is ever materialised and the
whole front end stays iterative (a 10,000-deep expression cannot overflow Python's stack; it is
refused by a depth limit instead). Lark's parse table is cached on disk, which keeps `qmlc check`
start-up short. Syntax errors become `QmlSyntaxError`s that say in words what was expected; a
missing `;` is recovered from, so several of them are reported in one run.
"""

from __future__ import annotations

import os
import tempfile
import threading
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from ..diagnostics import LimitError, QmlError, QmlErrors, QmlSyntaxError, Span
from . import ast as A

MAX_EXPR_DEPTH = 200
"""Expressions deeper than this (operators chained or nested) are refused: nobody writes them,
and they would exhaust Python's stack in every later stage."""

MAX_BLOCK_DEPTH = 50
"""Loops and repeats nested deeper than this are refused, for the same reason."""

MAX_SYNTAX_ERRORS = 20


def grammar_text() -> str:
    """The grammar, from the installed package or, in a source checkout, from `grammar/`."""
    packaged = resources.files("qml_compiler") / "_grammar" / "qml.lark"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "grammar" / "qml.lark").read_text(encoding="utf-8")


def _tok_span(file: str, tok: Token) -> Span:
    return Span(file, tok.line, tok.column, tok.end_line, tok.end_column)


def _span_of(x, file: str) -> Span | None:
    if isinstance(x, Token):
        return _tok_span(file, x)
    span = getattr(x, "span", None)
    if span is not None:
        return span
    if isinstance(x, (list, tuple)):
        for y in x:
            s = _span_of(y, file)
            if s is not None:
                return s
    return None


class _Builder(Transformer):
    """Rule callbacks that build `ast` nodes; method names are the grammar's rule names."""

    def __init__(self):
        super().__init__(visit_tokens=False)
        self.file = "<string>"
        self.depth: dict[int, int] = {}

    # -- helpers --
    def _span(self, children) -> Span:
        first = last = None
        for c in children:
            s = _span_of(c, self.file)
            if s is not None:
                first = first or s
        for c in reversed(children):
            s = _span_of(c, self.file)
            if s is not None:
                last = s
                break
        if first is None:
            return Span(self.file, 0, 0, 0, 0)
        return first.to(last)

    def _expr(self, node, *operands):
        d = 1 + max((self.depth.get(id(o), 1) for o in operands), default=0)
        if d > MAX_EXPR_DEPTH:
            raise LimitError(f"expression too deep: more than {MAX_EXPR_DEPTH} operators chained or "
                             "nested", node.span, hint="split it into smaller expressions")
        self.depth[id(node)] = d
        return node

    # -- file level --
    def start(self, c):
        return list(c)

    def import_stmt(self, c):
        return A.Import(c[0][1:-1], span=self._span(c))

    def include_stmt(self, c):
        return A.Include(c[0][1:-1], str(c[1]), span=self._span(c))

    def gate_params(self, c):
        return tuple(str(t) for t in c if t is not None)

    def gate_def(self, c):
        name, params, *rest = c
        qubits = tuple(str(t) for t in rest if isinstance(t, Token))
        body = tuple(x for x in rest if not isinstance(x, Token))
        return A.GateDef(str(name), params, qubits, body, span=_tok_span(self.file, name))

    def model_def(self, c):
        return A.ModelDef(str(c[0]), tuple(c[1:]), span=_tok_span(self.file, c[0]))

    def input_decl(self, c):
        return A.Port("input", str(c[0]), int(c[1]), span=self._span(c))

    def output_decl(self, c):
        return A.Port("output", str(c[0]), int(c[1]), span=self._span(c))

    def layer_decl(self, c):
        return A.LayerDecl(str(c[0]), c[1], span=self._span(c))

    def forward_def(self, c):
        return A.Forward(tuple(c), span=self._span(c))

    def assign(self, c):
        return A.Assign(tuple(str(t) for t in c[:-1]), c[-1], span=self._span(c))

    def train_def(self, c):
        return A.Train(tuple(c), span=self._span(c))

    def setting(self, c):
        return A.Setting(".".join(str(t) for t in c[:-1]), c[-1], span=self._span(c))

    # -- quantum --
    def quantum_def(self, c):
        i = 1
        inputs = []
        while isinstance(c[i], A.DataArg) or c[i] is None:
            if c[i] is not None:
                inputs.append(c[i])
            i += 1
        reg, n = c[i], c[i + 1]
        return A.QuantumDef(str(c[0]), tuple(inputs), str(reg), int(n), tuple(c[i + 2:]),
                            span=_tok_span(self.file, c[0]))

    def data_arg(self, c):
        return A.DataArg(str(c[0]), int(c[1]), span=self._span(c))

    def param_decl(self, c):
        return A.ParamDecl(str(c[0]), c[1], c[2], span=self._span(c[:2]))

    def shape(self, c):
        return tuple(int(t) for t in c)

    def call_args(self, c):
        return ("args", tuple(x for x in c if x is not None))

    def gate_stmt(self, c):
        name = c[0]
        args: tuple = ()
        has_parens = False
        qubits = []
        for x in c[1:]:
            if isinstance(x, tuple) and x and x[0] == "args":
                args, has_parens = x[1], True
            elif isinstance(x, A.QubitRef):
                qubits.append(x)
        return A.GateStmt(str(name), args, tuple(qubits), has_parens, span=self._span(c))

    def qubit_ref(self, c):
        return A.QubitRef(str(c[0]), c[1], span=self._span(c))

    def range_spec(self, c):
        return A.Range(c[0], c[1], c[2], span=self._span(c))

    def _nested(self, node, body):
        d = 1 + max((self.depth.get(id(s), 0) for s in body), default=0)
        if d > MAX_BLOCK_DEPTH:
            raise LimitError(f"loops nested more than {MAX_BLOCK_DEPTH} deep", node.span,
                             hint="flatten the loops")
        self.depth[id(node)] = d
        return node

    def for_stmt(self, c):
        return self._nested(A.For(str(c[0]), c[1], tuple(c[2:]), span=_tok_span(self.file, c[0])),
                            c[2:])

    def repeat_stmt(self, c):
        var = str(c[1]) if c[1] is not None else None
        return self._nested(A.Repeat(c[0], var, tuple(c[2:]), span=self._span(c[:1])), c[2:])

    def readout_stmt(self, c):
        return A.Readout(tuple(c), span=self._span(c))

    def readout_item(self, c):
        item = c[0]
        if isinstance(item, A.Expval) and len(c) > 1 and c[1] is not None:
            return A.Expval(item.terms, (str(c[1]), c[2]), span=item.span)
        return item

    def expval(self, c):
        return A.Expval(tuple(c[0]), None, span=self._span(c[0]))

    def probs(self, c):
        return A.Probs(tuple(x for x in c if x is not None), span=self._span(c))

    def samples(self, c):
        qubits = tuple(x for x in c[:-1] if isinstance(x, A.QubitRef))
        return A.Samples(qubits, c[-1], span=self._span(c))

    def pauli_sum(self, c):
        terms = [c[0]]
        for sign, term in zip(c[1::2], c[2::2]):
            terms.append(term if sign == "+" else A.PauliTerm(-term.coeff, term.factors, span=term.span))
        return terms

    def pauli_sum_signed(self, c):
        first = c[1] if c[0] == "+" else A.PauliTerm(-c[1].coeff, c[1].factors, span=c[1].span)
        return [first] + self.pauli_sum([c[1]] + list(c[2:]))[1:]

    def pauli_term(self, c):
        coeff = 1.0
        factors = c
        if c and isinstance(c[0], Token) and c[0].type == "NUMBER":
            coeff, factors = float(c[0]), c[1:]
        return A.PauliTerm(coeff, tuple(factors), span=self._span(c))

    def pauli_identity(self, c):
        return A.PauliTerm(float(c[0]), (), span=self._span(c))

    def pauli_factor(self, c):
        tok = c[0]
        if tok.type == "PAULI":
            idx = A.Num(int(tok[1:]), span=_tok_span(self.file, tok))
            return A.PauliFactor(tok[0], idx, span=_tok_span(self.file, tok))
        return A.PauliFactor(str(tok), c[1], span=self._span(c))

    # -- values and expressions --
    def string(self, c):
        return A.Str(c[0][1:-1], span=self._span(c))

    def list(self, c):
        return A.ListLit(tuple(x for x in c if x is not None), False, span=self._span(c))

    def tuple(self, c):
        return A.ListLit(tuple(x for x in c if x is not None), True, span=self._span(c))

    def arg(self, c):
        return c[0]

    def kwarg(self, c):
        return A.KwArg(str(c[0]), c[1], span=self._span(c))

    def _bin(op):  # noqa: N805 - a factory for the binary-operator callbacks
        def build(self, c):
            return self._expr(A.BinOp(op, c[0], c[1], span=self._span(c)), c[0], c[1])
        return build

    add, sub, mul, div, mod, pow = _bin("+"), _bin("-"), _bin("*"), _bin("/"), _bin("%"), _bin("**")

    def neg(self, c):
        return self._expr(A.Neg(c[0], span=self._span(c)), c[0])

    def unary(self, c):  # unary plus
        return c[0]

    def number(self, c):
        text = str(c[0])
        value = int(text) if text.isdigit() else float(text)
        return A.Num(value, span=self._span(c))

    def var(self, c):
        return A.Var(str(c[0]), span=self._span(c))

    def call(self, c):
        args = c[1][1]
        return self._expr(A.Call(str(c[0]), args, span=self._span(c)), *args)

    def subscript(self, c):
        return self._expr(A.Subscript(str(c[0]), tuple(c[1:]), span=self._span(c)), *c[1:])

    def slice(self, c):
        return A.Slice(c[0], c[1], span=self._span(c))


_lock = threading.Lock()
_parser: Lark | None = None
_builder: _Builder | None = None


def _cache_file() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "qml_compiler")
    try:
        os.makedirs(folder, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, delete=True)
        probe.close()
    except OSError:
        return None  # no writable cache: build the table each time (about 60 ms)
    return os.path.join(folder, "qml-lalr.cache")


def _get_parser() -> tuple[Lark, _Builder]:
    global _parser, _builder
    if _parser is None:
        _builder = _Builder()
        text = grammar_text()
        cache = _cache_file()
        try:
            _parser = Lark(text, parser="lalr", lexer="contextual", transformer=_builder,
                           maybe_placeholders=True, cache=cache or False)
        except Exception:  # a corrupt or stale cache file: rebuild without it
            _parser = Lark(text, parser="lalr", lexer="contextual", transformer=_builder,
                           maybe_placeholders=True)
    return _parser, _builder


def _describe_terminal(parser: Lark, name: str) -> str:
    words = {"NAME": "a name", "INT": "an integer", "NUMBER": "a number", "STRING": "a string",
             "PAULI": "a Pauli operator such as `Z0`", "PAULI_LETTER": "a Pauli letter",
             "SIGN": "`+` or `-`", "$END": "the end of the file"}
    if name in words:
        return words[name]
    for t in parser.terminals:
        if t.name == name and isinstance(t.pattern, PatternStr):
            return f"`{t.pattern.value}`"
    return name.lower()


def _expected(parser: Lark, names) -> str:
    items = sorted({_describe_terminal(parser, n) for n in names})
    if len(items) > 6:
        items = items[:6] + ["..."]
    return ", ".join(items)


def _syntax_error(parser: Lark, e: UnexpectedInput, file: str, text: str) -> QmlSyntaxError:
    if isinstance(e, UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        span = Span.point(file, e.line, e.column)
        if ch == '"':
            return QmlSyntaxError("unterminated string", span, hint="close it with `\"` on the same line")
        shown = repr(ch) if ch.isprintable() and ch else f"U+{ord(ch):04X}" if ch else "?"
        return QmlSyntaxError(f"unexpected character {shown}", span,
                              hint=f"expected {_expected(parser, e.allowed)}" if e.allowed else None)
    if isinstance(e, UnexpectedToken):
        tok = e.token
        if tok.type == "$END":
            line, col = _end_position(text)
            return QmlSyntaxError("unexpected end of file", Span.point(file, line, col),
                                  hint=f"expected {_expected(parser, _accepted(e))}; is a `}}` missing?")
        span = _tok_span(file, tok)
        what = f"`{tok}`" if len(str(tok)) <= 30 else f"`{str(tok)[:30]}...`"
        end = _previous_code_end(text, tok.start_pos)
        expected = _accepted(e)
        if "SEMICOLON" in expected and end is not None and end[0] < tok.line:
            return QmlSyntaxError("missing `;` at the end of the line", Span.point(file, *end),
                                  hint="every statement ends with `;`")
        return QmlSyntaxError(f"unexpected {what}", span, hint=f"expected {_expected(parser, expected)}")
    if isinstance(e, UnexpectedEOF):
        line, col = _end_position(text)
        return QmlSyntaxError("unexpected end of file", Span.point(file, line, col))
    return QmlSyntaxError(str(e).splitlines()[0], Span.point(file, getattr(e, "line", 1) or 1,
                                                              getattr(e, "column", 1) or 1))


def _accepted(e: UnexpectedToken) -> set:
    """The terminals that could really come next. LALR merges states, so `e.expected` can
    list tokens that would fail one step later; the interactive parser tries each one."""
    try:
        return set(e.interactive_parser.accepts()) or set(e.expected)
    except Exception:
        return set(e.expected)


def _previous_code_end(text: str, pos: int) -> tuple[int, int] | None:
    """(line, column) just after the last code character before `pos`, skipping blank lines
    and `//` comments; None at the start of the file."""
    lines = text[:pos].split("\n")
    for k in range(len(lines) - 1, -1, -1):
        code = lines[k].split("//", 1)[0].rstrip()
        if code:
            return k + 1, len(code) + 1
    return None


def _end_position(text: str) -> tuple[int, int]:
    end = _previous_code_end(text, len(text))
    if end is not None:
        return end
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def parse(text: str, file: str = "<string>") -> A.Program:
    """Parse `.qml` source into a `Program`; raise `QmlSyntaxError`/`QmlErrors` on bad syntax."""
    with _lock:
        parser, builder = _get_parser()
        builder.file = file
        builder.depth = {}
        errors: list[QmlError] = []

        def on_error(e: UnexpectedInput) -> bool:
            errors.append(_syntax_error(parser, e, file, text).with_source(text))
            if len(errors) >= MAX_SYNTAX_ERRORS or not isinstance(e, UnexpectedToken):
                return False
            ip = e.interactive_parser
            # The most common slip, a missing `;` at the end of a line: insert it and go on, so
            # that later errors show too. Other errors stop the parse (guesses would cascade).
            end = _previous_code_end(text, e.token.start_pos) if e.token.type != "$END" else None
            if end is not None and end[0] < e.token.line and "SEMICOLON" in ip.accepts():
                try:
                    ip.feed_token(Token("SEMICOLON", ";"))
                    ip.feed_token(e.token)
                    return True
                except UnexpectedInput:
                    return False
            return False

        try:
            items = parser.parse(text, on_error=on_error)
        except UnexpectedInput as e:
            if not errors:
                errors.append(_syntax_error(parser, e, file, text).with_source(text))
        except QmlError as e:
            errors.append(e.with_source(text))
        except RecursionError:
            errors.append(LimitError("the file is nested too deeply to parse",
                                     Span.point(file, 1, 1)).with_source(text))
        finally:
            builder.depth = {}
        if errors:
            raise errors[0] if len(errors) == 1 else QmlErrors(errors)
        return A.Program(tuple(items), file=file)
