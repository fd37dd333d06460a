"""The training stage's kinds of user mistake (all `QmlError`s, so `qmlc` exits with status 1)."""

from __future__ import annotations

from ..diagnostics import QmlError, Span


class DataError(QmlError):
    """A data file or array that cannot be used: missing, empty, a missing column, a cell that is
    not a number, NaN, a width that does not fit the model's input, an unknown label."""


class CheckpointError(QmlError):
    """A checkpoint that is corrupt, of another format version, or of another model."""


def at(file: str, line: int = 0, col: int = 0) -> Span:
    """A span that names a data file (and a line in it) in `render()`'s `file:line:col:` prefix."""
    return Span(str(file), line, col, line, col + 1)
