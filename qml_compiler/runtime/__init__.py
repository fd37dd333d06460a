"""The runtime: execution plans and a batched statevector simulator with adjoint gradients.

    >>> import qml_compiler as qc
    >>> cm = qc.compile("examples/moons.qml")           # a runtime.CompiledModel
    >>> params = cm.init_params(seed=0)
    >>> loss, grads = cm.gradient({"x": X}, params, loss="cross_entropy", targets=y)

`program` turns a block's circuit into a plan (fused single-qubit runs, per-sample matrices,
affine or lambdified angles); `kernels_numba` (the numba engine) and `kernels_layered` (the NumPy
engine: layers of gates as BLAS products) run a plan forward and backward over a whole batch (state
of shape (2**n, batch)), both tested against `kernels_numpy`, the simple gate-by-gate reference;
`readouts` computes readouts and the adjoint seeds of their gradients; `executor` runs one block;
`model` runs the whole graph.
"""
