"""Running one quantum block over a batch, forward and backward (adjoint differentiation).

A `BlockRunner` is built once per block of a compiled model: it numbers the block's symbols (the
trainable elements it uses, and the data elements of its arguments), builds the `Program` and
keeps it. `forward` computes the per-sample matrices for the batch, runs the kernels and reads
out; `backward` seeds the adjoint state from the upstream gradient, runs the kernels backward and
applies the chain rule to parameters and data.
"""

from __future__ import annotations

import os

import numpy as np

from ..diagnostics import LimitError
from ..ir.nodes import QuantumBlock
from . import kernels_layered
from .program import Program
from .readouts import Readouts

ENGINES = ("numba", "numpy")
PRECISIONS = {"double": np.complex128, "single": np.complex64}
"""State precision: complex128 by default; complex64 halves the memory of a batch (the numba
kernels still compute in double and round to single when storing)."""


def kernels(engine: str):
    """The kernel module of an engine; `numba` falls back to NumPy where numba is missing. The
    NumPy engine runs `kernels_layered` (layers of gates as BLAS products); `kernels_numpy` is
    the simple gate-by-gate reference both are tested against."""
    if engine == "numba":
        try:
            from . import kernels_numba
            return kernels_numba
        except ImportError:
            return kernels_layered
    return kernels_layered


def state_bytes(n_qubits: int, batch: int, itemsize: int = 16) -> int:
    return (2 ** n_qubits) * batch * itemsize


_PHYS_LIMIT: list = []


def default_memory_limit() -> int | None:
    """80% of the machine's physical memory: past that the system would kill the process
    rather than let it swap, and the user would lose their run without a word."""
    if not _PHYS_LIMIT:  # asked once per process (it is asked on every batch)
        try:
            _PHYS_LIMIT.append(int(0.8 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")))
        except (ValueError, OSError, AttributeError):
            _PHYS_LIMIT.append(None)
    return _PHYS_LIMIT[0]


class BlockRunner:
    """Executes one QuantumBlock node; parameters arrive as the model's flat per-owner arrays."""

    use_fast = True
    """Whether the numba engine may run a block in one compiled call each way where it can
    (runtime/block_numba.py); False keeps the general path (for comparisons)."""

    def __init__(self, block: QuantumBlock, engine: str = "numba", fuse: bool = True,
                 precision: str = "double"):
        self.block = block
        if precision not in PRECISIONS:
            raise LimitError(f"unknown precision `{precision}`", hint="choose double or single")
        self.dtype = PRECISIONS[precision]
        self.kernels = kernels(engine)
        self.engine = "numba" if self.kernels is not kernels_layered else "numpy"
        # The block's parameter vector: the elements of each (owner, param) it uses, in order.
        self.param_slices: list[tuple[str, int, int]] = []  # (key "owner.name", start, size)
        offset = 0
        starts = {}
        for owner, spec in block.params:
            key = f"{owner}.{spec.name}"
            starts[key] = offset
            self.param_slices.append((key, offset, spec.size))
            offset += spec.size
        self.n_theta = offset
        param_index = {}
        for s in block.symbols:
            if s.kind == "param":
                param_index[s.symbol] = starts[f"{s.block}.{s.name}"] + s.index
        self._input_symbols = [s for s in block.symbols if s.kind == "input"]
        self._param_index = param_index
        self.readouts = Readouts(block.readouts, block.n_qubits)
        self.fuse = fuse
        self._program: Program | None = None
        self._fast = None  # block_numba.FastBlock where the one-call path applies
        self._checked = None  # (batch, limit) that check_memory last passed
        self._blocking: dict = {}
        self._input_layout: tuple | None = None

    def _layout(self, widths: list[int]):
        """Columns of the concatenated data matrix for each input symbol."""
        key = tuple(widths)
        if self._input_layout is None or self._input_layout[0] != key:
            offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
            index = {s.symbol: int(offsets[s.port] + s.index) for s in self._input_symbols}
            self._program = Program.build(self.block.circuit, self._param_index, index, fuse=self.fuse)
            self._fast = None
            if self.engine == "numba":
                from . import fused_numba
                self._program.accel = fused_numba
                from .block_numba import FastBlock
                if self.use_fast and FastBlock.applies(self._program, self.readouts, self.block, self.dtype):
                    self._fast = FastBlock(self._program, self.readouts)
            self._input_layout = (key, offsets)
        return self._input_layout[1]

    @property
    def program(self) -> Program | None:
        """The block's plan (built on the first run, when the data widths are known)."""
        return self._program

    def theta(self, params: dict[str, np.ndarray]) -> np.ndarray:
        if len(self.param_slices) == 1:
            key = self.param_slices[0][0]
            return np.asarray(params[key], dtype=float).reshape(-1)
        th = np.empty(self.n_theta)
        for key, start, size in self.param_slices:
            th[start:start + size] = np.asarray(params[key], dtype=float).reshape(-1)
        return th

    def check_memory(self, batch: int, limit: int | None) -> None:
        if self._checked == (batch, limit):
            return
        need = 3 * state_bytes(self.block.n_qubits, batch, np.dtype(self.dtype).itemsize)
        limit = limit if limit is not None else default_memory_limit()
        if limit is not None and need > limit:
            n = self.block.n_qubits
            fit = limit // (3 * state_bytes(n, 1))
            hint = (f"use a batch of at most {fit}, or raise the limit (memory_limit)" if fit >= 1 else
                    f"even one sample needs {3 * state_bytes(n, 1) / 2**30:.2f} GiB: use fewer qubits "
                    "(at -O2 the light-cone pass drops qubits that cannot influence the readout)")
            raise LimitError(
                f"block `{self.block.name}` needs about {need / 2**30:.2f} GiB for a batch of {batch} on "
                f"{n} qubits (three state vectors of 2**{n} x {batch} complex numbers), over the limit of "
                f"{limit / 2**30:.2f} GiB",
                hint=hint)
        self._checked = (batch, limit)

    def forward(self, params: dict, args: list, batch: int, start: np.ndarray | None = None,
                keep: bool = False, rng=None):
        """Outputs (batch, width), or the final state for a state block; with keep=True also
        the cache that `backward` needs. `args` are the node's arguments in port order (the
        state argument of a from-state block is passed as `start` and its slot ignored)."""
        widths = [0 if (self.block.from_state and p == 0) else np.shape(a)[1] for p, a in enumerate(args)]
        offsets = self._layout(widths)
        data = [np.asarray(a, dtype=float) for p, a in enumerate(args) if widths[p]]
        X = data[0] if len(data) == 1 else np.concatenate(data, axis=1) if data else np.zeros((batch, 0))
        theta = self.theta(params)
        prog = self._program
        if self._fast is not None and start is None:
            X = np.ascontiguousarray(X, dtype=float)
            theta = np.ascontiguousarray(theta, dtype=float)
            out, state, mats1, E, prefix = self._fast.forward(theta, X, keep, self._block_sizes(batch))
            cache = (state, mats1, None, {"fast": (E, prefix)}, theta, X, offsets) if keep else None
            return out, cache
        mats1, mats2, saved = prog.matrices(theta, X, keep=keep)
        if self.dtype is not np.complex128:
            mats1, mats2 = mats1.astype(self.dtype), mats2.astype(self.dtype)
        if start is None:
            state = np.zeros((2 ** prog.n_qubits, batch), dtype=self.dtype)
            state[0] = 1.0
        else:
            state = np.array(start, dtype=self.dtype, copy=True)
        self.kernels.forward(state, prog.code, mats1, mats2)
        out = state if self.block.state else self.readouts.evaluate(state, rng)
        cache = (state, mats1, mats2, saved, theta, X, offsets) if keep else None
        return out, cache

    def backward(self, cache, g: np.ndarray | None = None, lam: np.ndarray | None = None,
                 want_inputs: bool = True):
        """Gradients from upstream: g (batch, width) for a block with readouts, or lam, the
        adjoint of its output state, for a state block. Returns (dparams by key, d(args) per
        port (None for a state port), adjoint of the starting state or None)."""
        state, mats1, mats2, saved, theta, X, offsets = cache
        prog = self._program
        if "fast" in saved and lam is None:
            E, prefix = saved["fast"]
            if not self.readouts.differentiable:  # pragma: no cover - the fast path reads expectations
                raise LimitError(f"block `{self.block.name}` reads samples, which have no exact gradient")
            dtheta, dX = self._fast.backward(state, np.ascontiguousarray(g, dtype=float), mats1, E,
                                             prefix, X.shape[1], want_inputs,
                                             self._block_sizes(X.shape[0]))
            if not want_inputs:
                dX = None
            return self._grads(dtheta, dX, offsets) + (None,)
        if "fast" in saved:  # pragma: no cover - a state block never takes the fast path
            raise ValueError("a fast-path cache cannot be seeded with an adjoint state")
        seeded_from_outside = lam is not None
        if lam is None:
            if not self.readouts.differentiable:
                raise LimitError(f"block `{self.block.name}` reads samples, which have no exact gradient",
                                 hint="train it with gradient = parameter_shift or spsa")
            lam = self.readouts.adjoint_seed(state, g)
        # The cached state is un-computed in place (the cache is used once); lam is the runner's own
        # fresh array when it comes from the readouts.
        psi = state
        lam = np.array(lam, dtype=self.dtype, copy=True) if seeded_from_outside else lam.astype(self.dtype, copy=False)
        need1, need2 = prog.needs()
        G1, G2 = self.kernels.backward(psi, lam, prog.code, mats1, mats2, need1, need2)
        dtheta, dX = prog.chain(G1, G2, saved, theta, X, want_inputs)
        dparams, dargs = self._grads(dtheta, dX, offsets)
        return dparams, dargs, (lam if self.block.from_state else None)

    def _block_sizes(self, batch: int):
        sizes = self._blocking.get(batch)
        if sizes is None:
            sizes = self._blocking[batch] = self.kernels.blocking(batch, self._program.n_qubits)
        return sizes

    def _grads(self, dtheta, dX, offsets):
        dparams = {key: dtheta[start:start + size] for key, start, size in self.param_slices}
        dargs = []
        for p in range(len(offsets) - 1):
            w = offsets[p + 1] - offsets[p]
            dargs.append(dX[:, offsets[p]:offsets[p + 1]] if (w and dX is not None) else None)
        return dparams, dargs
