"""Running a pipeline of passes: timing, change records, dumps and verification between them.

In the spirit of LLVM's `opt`: `time_passes` records each pass's wall time, `print_after` dumps
the graph after the named passes (or after all with "all"), `verify_each` checks the graph's
invariants after every pass and names the pass that broke them, and `callback(name, before,
after, record)` lets a person watch every step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import networkx as nx

from ..diagnostics import QmlError
from ..ir import graph as G
from ..ir.dump import to_text
from ..ir.verify import verify
from .base import Pass, PassContext, PassError, parse_pipeline

LEVELS = {
    0: "",
    1: "fuse-blocks,constant-fold,dead-nodes,choose-gradient,parameter-report",
    2: "fuse-blocks,constant-fold,light-cone,merge-rotations,drop-unused-params,dead-nodes,"
       "choose-gradient,parameter-report",
    3: "fuse-blocks,constant-fold,light-cone,merge-rotations,constant-fold,light-cone,"
       "merge-rotations,drop-unused-params,dead-nodes,choose-gradient,parameter-report",
}
"""The default pipeline of each optimisation level; -O2 is the default."""


@dataclass
class PassRecord:
    name: str
    seconds: float
    before: dict[str, int]
    after: dict[str, int]

    def changes(self) -> dict[str, tuple[int, int]]:
        return {k: (self.before[k], self.after[k]) for k in self.before if self.before[k] != self.after[k]}


@dataclass
class PassManager:
    passes: list[Pass]
    verify_each: bool = False
    print_after: tuple[str, ...] = ()
    callback: Callable | None = None
    printer: Callable[[str], None] = print
    records: list[PassRecord] = field(default_factory=list)

    @classmethod
    def from_pipeline(cls, text: str, **kw) -> "PassManager":
        return cls(parse_pipeline(text), **kw)

    @classmethod
    def for_level(cls, level: int, **kw) -> "PassManager":
        if level not in LEVELS:
            raise PassError(f"optimisation level {level} does not exist", hint="use -O0, -O1, -O2 or -O3")
        return cls.from_pipeline(LEVELS[level], **kw)

    def insert(self, p: Pass, before: str | None = None, after: str | None = None) -> None:
        """Put a pass before or after the first pass of a given name (or at the end)."""
        if before is not None and after is not None:
            raise PassError(f"place `{p.name}` either before or after a pass, not both")
        names = [q.name for q in self.passes]
        anchor = before or after
        if anchor is None:
            self.passes.append(p)
            return
        if anchor not in names:
            raise PassError(f"cannot place `{p.name}` {'before' if before else 'after'} `{anchor}`: "
                            f"the pipeline has no such pass", hint=f"pipeline: {', '.join(names) or '(empty)'}")
        i = names.index(anchor)
        self.passes.insert(i if before else i + 1, p)

    def run(self, graph, context: PassContext | None = None):
        """Run every pass in order; return the final graph (the input is never changed)."""
        context = context or PassContext()
        self.records = []
        if self.verify_each:
            verify(graph, after="lowering")
        current = graph
        for p in self.passes:
            before = G.stats(current)
            snapshot = _fingerprint(current) if self.verify_each else None
            start = time.perf_counter()
            try:
                result = p.run(current, context)
            except PassError as e:
                if f"`{p.name}`" not in e.message:
                    e.message = f"pass `{p.name}`: {e.message}"
                    e.args = (e.message,)
                raise
            except QmlError:  # the pass found a problem with what the user gave: say it as is
                raise
            except Exception as e:
                raise PassError(f"pass `{p.name}` failed: {type(e).__name__}: {e}",
                                hint="the model and its files are unchanged") from e
            seconds = time.perf_counter() - start
            if not isinstance(result, nx.DiGraph):
                raise PassError(f"pass `{p.name}` returned {type(result).__name__}, not a graph",
                                hint="`run` must return the (new) graph")
            if snapshot is not None and _fingerprint(current) != snapshot:
                raise PassError(f"pass `{p.name}` changed the graph it was given",
                                hint="copy it first (qml_compiler.ir.copy) and change the copy")
            if self.verify_each:
                verify(result, after=p.name)
            try:
                after = G.stats(result)
            except Exception as e:
                raise PassError(f"pass `{p.name}` left a graph that cannot be read: {type(e).__name__}: {e}",
                                hint="run with --verify-each to find the broken invariant") from e
            record = PassRecord(p.name, seconds, before, after)
            self.records.append(record)
            if self.callback is not None:
                self.callback(p.name, current, result, record)
            if "all" in self.print_after or p.name in self.print_after:
                self.printer(f"; IR after {p.spec()}\n{to_text(result, circuits=False)}")
            current = result
        return current

    def timing_report(self) -> str:
        """A table of wall time and changes per pass (`--time-passes`)."""
        total = sum(r.seconds for r in self.records) or 1e-12
        w = max([len("total")] + [len(r.name) for r in self.records]) + 2
        lines = [f"{'pass':<{w}} {'ms':>9} {'%':>6}  changes"]
        for r in self.records:
            ch = ", ".join(f"{k} {a}->{b}" for k, (a, b) in r.changes().items()) or "-"
            lines.append(f"{r.name:<{w}} {r.seconds * 1e3:9.2f} {100 * r.seconds / total:6.1f}  {ch}")
        lines.append(f"{'total':<{w}} {total * 1e3:9.2f}")
        return "\n".join(lines)


def _fingerprint(g) -> tuple:
    """Cheap identity of a graph's contents: which operation objects sit where (operations are
    immutable, so a pass that changes a graph in place must swap them or touch the structure)."""
    def op_id(op):
        circuit = getattr(op, "circuit", None)
        return (id(op), id(circuit), circuit.n_gates if circuit is not None else None)

    return (tuple((n, op_id(d.get("op"))) for n, d in g.nodes(data=True)),
            tuple((u, v, d.get("port"), d.get("width")) for u, v, d in g.edges(data=True)),
            tuple(sorted((k, id(v)) for k, v in g.graph.items())))
