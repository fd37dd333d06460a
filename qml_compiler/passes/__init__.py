"""Passes over the intermediate graph, and the machinery that runs them.

    >>> from qml_compiler.passes import PassManager, PassContext
    >>> pm = PassManager.from_pipeline("light-cone,merge-rotations,dead-nodes", verify_each=True)
    >>> g2 = pm.run(g, PassContext())
    >>> print(pm.timing_report())

Built-in passes live in `transform/` (they change the graph) and `analysis/` (they record facts
or annotate nodes). Each says in its docstring which facts it reads and writes. `LEVELS` holds
the default pipeline of each optimisation level. Add your own with `register_pass`, an entry
point in the group `qml_compiler.passes`, or `qmlc compile --pass module:Class`
(see docs/passes.md).
"""

from .base import (ENTRY_POINT_GROUP, Pass, PassContext, PassError, available, load_user_pass,
                   make_pass, parse_pipeline, register_pass)
from .manager import LEVELS, PassManager, PassRecord

__all__ = ["Pass", "PassContext", "PassError", "PassManager", "PassRecord", "LEVELS",
           "register_pass", "available", "make_pass", "parse_pipeline", "load_user_pass",
           "ENTRY_POINT_GROUP"]
