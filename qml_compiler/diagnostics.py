"""User-facing errors: every mistake in what a person gave us becomes a `QmlError`.

A `QmlError` knows where it happened (a `Span`: file, line, column, end), says what is wrong, shows
the offending source line with a caret under the span, and offers a hint where one is obvious. The
command line prints it and exits with status 1; no Python traceback ever reaches a user for a
mistake in their input. Several independent errors travel together as `QmlErrors`.

    >>> err = UnknownName("unknown gate `rz2`", span, hint="did you mean `rz`?")
    >>> print(err.render())
    model.qml:4:5: error: unknown gate `rz2`
        rz2(theta[0]) q[0];
        ^^^
    hint: did you mean `rz`?
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Span:
    """A region of a source file; lines and columns count from 1, `end_col` is exclusive."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    @staticmethod
    def point(file: str, line: int, col: int, length: int = 1) -> "Span":
        return Span(file, line, col, line, col + max(length, 1))

    def to(self, other: "Span | None") -> "Span":
        """The span from the start of `self` to the end of `other`."""
        if other is None:
            return self
        return Span(self.file, self.line, self.col, other.end_line, other.end_col)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NO_SPAN = Span("<unknown>", 0, 0, 0, 0)


class QmlError(Exception):
    """Base of every error caused by what the user gave (model, data, checkpoint or target)."""

    kind = "error"

    def __init__(self, message: str, span: Span | None = None, *, hint: str | None = None,
                 source: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.source = source  # the text of span.file, for the caret excerpt

    def with_source(self, source: str | None) -> "QmlError":
        if self.source is None:
            self.source = source
        return self

    def excerpt(self) -> str:
        """The source line of the span with carets under it, or '' if the line is unknown."""
        if self.span is None or self.source is None or self.span.line <= 0:
            return ""
        lines = self.source.splitlines()
        if self.span.line > len(lines):
            return ""
        text = lines[self.span.line - 1].replace("\t", " ")
        start = max(self.span.col - 1, 0)
        if self.span.end_line == self.span.line:
            width = max(self.span.end_col - self.span.col, 1)
        else:
            width = max(len(text) - start, 1)
        shown = text if len(text) <= 200 else text[:200] + " ..."
        return f"    {shown}\n    {' ' * min(start, 200)}{'^' * min(width, 80)}"

    def render(self) -> str:
        where = f"{self.span}: " if self.span is not None and self.span.line > 0 else (
            f"{self.span.file}: " if self.span is not None else "")
        out = [f"{where}error: {self.message}"]
        ex = self.excerpt()
        if ex:
            out.append(ex)
        if self.hint:
            out.append(f"hint: {self.hint}")
        return "\n".join(out)

    def to_json(self) -> dict:
        s = self.span
        return {
            "kind": type(self).__name__,
            "message": self.message,
            "file": s.file if s else None,
            "line": s.line if s else None,
            "column": s.col if s else None,
            "end_line": s.end_line if s else None,
            "end_column": s.end_col if s else None,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        return self.render()


class QmlErrors(QmlError):
    """Several independent errors found in one run, reported together."""

    def __init__(self, errors: Iterable[QmlError]):
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        super().__init__(first.message if first else "no errors",
                         first.span if first else None)

    def render(self) -> str:
        n = len(self.errors)
        body = "\n\n".join(e.render() for e in self.errors)
        return body + (f"\n\n{n} errors" if n > 1 else "")

    def to_json(self) -> list[dict]:  # type: ignore[override]
        return [e.to_json() for e in self.errors]


# --- one subclass per kind of mistake, so that callers and tests can tell them apart ----------

class FileError(QmlError):
    """A file that cannot be read: missing, a directory, unreadable, not UTF-8."""


class QmlSyntaxError(QmlError):
    """Text that does not follow the grammar."""


class UnknownName(QmlError):
    """A name that does not resolve: layer, block, parameter, gate, input, template ..."""


class DuplicateName(QmlError):
    """A name defined twice in the same scope."""


class TypeMismatch(QmlError):
    """A value of the wrong kind where another is required (a string for a number, ...)."""


class ShapeError(QmlError):
    """Widths or shapes that do not agree along the wiring or in a parameter's use."""


class QubitError(QmlError):
    """A qubit index outside its block, a repeated qubit in one gate, a wrong gate arity."""


class LimitError(QmlError):
    """Something too large to handle: loops, nesting depth, qubit counts, memory."""


class ImportCycle(QmlError):
    """Files that import each other."""


class QasmError(QmlError):
    """A problem inside an included OpenQASM 2 file."""


class ConfigError(QmlError):
    """A bad `train` setting or command-line override."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known name, or None if nothing is close."""
    best = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{best[0]}`?" if best else None


class TargetError(QmlError):
    """A target that does not exist, a malformed device file, or a block that does not fit."""


class VerificationError(QmlError):
    """A compiled circuit that does not compute what its logical circuit does."""
