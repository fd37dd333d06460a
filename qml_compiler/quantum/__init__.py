"""Quantum compilation: each quantum block's circuit made runnable on a target.

pytket does the circuit work. A `Target` (targets.py) names a coupling map and native gates;
`compile_circuit` (compile.py) optimises a parametric circuit at a level (levels.py), places it
with shape-aware candidates (placement.py), routes, rebases and cleans up, keeping every symbol;
`equivalence.check` proves the result computes the logical circuit up to the recorded qubit
permutation; `metrics` and `report` say what it became and what it costs.

    >>> from qml_compiler.quantum import compile_circuit, get_target
    >>> cc = compile_circuit(circuit, "heavy-hex-27")
    >>> cc.circuit.n_2qb_gates(), cc.final_map
"""

__all__ = ["CompiledCircuit", "Target", "compile_circuit", "get_target"]


def __getattr__(name):
    # Lazily, so that `qmlc check` (which registers this stage's commands) never imports pytket.
    if name in ("CompiledCircuit", "compile_circuit"):
        from . import compile as _compile
        return getattr(_compile, name)
    if name in ("Target", "get_target"):
        from . import targets
        return getattr(targets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
