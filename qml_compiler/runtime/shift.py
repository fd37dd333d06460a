"""Gradients from forward runs alone: parameter shift, SPSA and finite differences.

Adjoint differentiation (executor.BlockRunner.backward) needs the exact final state; a device
only gives measurement outcomes. The methods here need nothing but forward evaluations, so they
are what shot-based simulation and hardware train with:

- **Parameter shift** (`parameter_shift_gradient`): the classical layers are back-propagated as
  usual; each quantum block's vector-Jacobian product comes from shifted circuit runs. For every
  trainable angle occurrence (each rotation of a `Fused1` run, each `Param2` angle whose `AngleFn`
  is not constant) the block is evaluated with that one angle shifted, for the whole batch at
  once (all shifts of the occurrence stacked along the batch axis: one kernel run per
  occurrence), and the derivative of the readouts with respect to the angle is

      R_P, XXPhase/YYPhase/ZZPhase, CU1 (generator eigenvalues +-1/2, up to a global phase):
          df/da = [f(a + pi/2) - f(a - pi/2)] / 2
      CRx, CRy, CRz (generator |1><1| (x) P/2, eigenvalues 0, +-1/2):
          df/da = c+ [f(a + pi/2) - f(a - pi/2)] - c- [f(a + 3pi/2) - f(a - 3pi/2)],
          c+- = (sqrt 2 +- 1) / (4 sqrt 2)

  (the four-term rule: f is a trigonometric polynomial with frequencies 1/2 and 1, and
  f(a+s) - f(a-s) = 2 i sin(w s) e^{iwa} per frequency w, so the coefficients solve
  2 c+ sin(w pi/2) - 2 c- sin(3 w pi/2) = w for w = 1/2, 1). The chain rule through the angle's
  `AngleFn` (affine coefficients or lambdified partial derivatives) then gives gradients with
  respect to the parameters and the data inputs of the block, so a dense layer before a block
  trains too. Blocks that hand a quantum state to the next (`state` / `from_state`) are shifted
  as the one circuit they make: an angle of the first is shifted and the rest run after it.
  Exact when shots is None; with `shots` every forward run's readouts are estimated from that
  many measurements (see `shots.py`), as hardware would.
- **SPSA** (`spsa_gradient`): all parameters perturbed at once by c * Delta with Delta a
  Rademacher (+-1) vector; g = (L(p + c Delta) - L(p - c Delta)) / (2c) * Delta. Two loss
  evaluations whatever the number of parameters; unbiased up to O(c^2).
- **Finite differences** (`finite_difference_gradient`): central differences, one parameter
  element at a time; for checking.

All three return (loss value, gradients by parameter name in the declared shapes), as
`CompiledModel.gradient` does; `gradient(...)` picks the method recorded on the blocks.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
from pytket import OpType

from ..diagnostics import ConfigError
from . import losses
from .program import Fused1, Param2, _param2, _rot
from .shots import sample_readouts

_S = math.sqrt(2.0)
_CP = (_S + 1) / (4 * _S)
_CM = (_S - 1) / (4 * _S)
HALF_PI = math.pi / 2

TWO_TERM: tuple[tuple[float, float], ...] = ((HALF_PI, 0.5), (-HALF_PI, -0.5))
"""(shift, coefficient) pairs: df/da = sum coefficient * f(a + shift)."""
FOUR_TERM: tuple[tuple[float, float], ...] = ((HALF_PI, _CP), (-HALF_PI, -_CP),
                                              (3 * HALF_PI, -_CM), (-3 * HALF_PI, _CM))
_CONTROLLED_ROTATIONS = (OpType.CRx, OpType.CRy, OpType.CRz)


def shift_rule(op) -> tuple[tuple[float, float], ...]:
    """The (shift, coefficient) pairs of an operation's angle."""
    if isinstance(op, Param2) and op.kind in _CONTROLLED_ROTATIONS:
        return FOUR_TERM
    return TWO_TERM


@dataclass
class Occurrence:
    """One trainable angle of a program: element `elem` of a Fused1, or a Param2 (elem = -1);
    `index` is the operation's position in the program (its row of `program.code`)."""

    op: object
    elem: int
    angle: object  # AngleFn
    rule: tuple
    index: int


def occurrences(program) -> list[Occurrence]:
    """Every angle of a program that depends on parameters or data, in program order."""
    out = []
    for i, op in enumerate(program.ops):
        if isinstance(op, Fused1):
            for j, e in enumerate(op.elems):
                if e.angle is not None and not e.angle.constant:
                    out.append(Occurrence(op, j, e.angle, TWO_TERM, i))
        elif isinstance(op, Param2) and not op.angle.constant:
            out.append(Occurrence(op, -1, op.angle, shift_rule(op), i))
    return out


def shifted_matrix(occ: Occurrence, theta: np.ndarray, X: np.ndarray, shifts) -> np.ndarray:
    """The occurrence's slot matrix for the batch with its angle shifted by each of `shifts`, the
    shifted copies stacked along the batch axis: (len(shifts) * batch, d, d)."""
    k = len(shifts)
    base = occ.angle.value(theta, X)
    a = np.concatenate([base + s for s in shifts])
    if isinstance(occ.op, Param2):
        return _param2(occ.op.kind, a)[0]
    m = None
    for j, e in enumerate(occ.op.elems):
        if e.angle is None:
            r = e.matrix
        elif j == occ.elem:
            r = _rot(e.axis, a)
        else:
            r = _rot(e.axis, np.tile(e.angle.value(theta, X), k))
        m = r if m is None else r @ m
    return np.ascontiguousarray(np.broadcast_to(m, (k * X.shape[0], 2, 2)))


# ---- one block (or a chain of state-passing blocks) ---------------------------------------------

@dataclass
class Link:
    """What a shifted re-run of one block needs, recorded during the forward pass."""

    runner: object  # BlockRunner
    program: object  # Program
    theta: np.ndarray
    X: np.ndarray
    mats1: np.ndarray
    mats2: np.ndarray
    start: np.ndarray | None
    offsets: np.ndarray


def link_from_forward(runner, cache, start) -> Link:
    """A Link from `BlockRunner.forward(..., keep=True)`'s cache
    (state, mats1, mats2, saved, theta, X, offsets)."""
    _, mats1, mats2, _, theta, X, offsets = cache
    program = getattr(runner, "program", None) or runner._program
    return Link(runner, program, theta, X, mats1, mats2, start, offsets)


def _tile(a: np.ndarray, k: int) -> np.ndarray:
    """(n, B, ...) -> (n, k*B, ...), copy s of the batch at [s*B:(s+1)*B]."""
    return np.ascontiguousarray(np.concatenate([a] * k, axis=1)) if k > 1 else a.copy()


def _readouts(runner, state, shots, rng):
    if shots is None:
        return runner.readouts.evaluate(state, rng)
    return sample_readouts(runner.readouts, state, shots, rng)


def chain_vjp(links: list[Link], g: np.ndarray, shots: int | None = None,
              rng: np.random.Generator | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Parameter-shift gradients for a chain of blocks (each but the first starting from the
    previous one's state; the last has the readouts) given g = dL/d(readouts), (batch, width).

    Returns, per link, (d theta (runner.n_theta,), d X (batch, n_inputs)). The cost is one run
    of the rest of the chain per angle occurrence, on len(rule) * batch columns, from the
    unshifted state just before the occurrence's operation (kept as the walk goes)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    g = np.asarray(g, dtype=float)
    batch = g.shape[0]
    terminal = links[-1].runner
    tiled: dict = {}

    def tiles(j, k):
        if (j, k) not in tiled:
            tiled[j, k] = (_tile(links[j].mats1, k), _tile(links[j].mats2, k))
        return tiled[j, k]

    results = []
    for j, link in enumerate(links):
        prog = link.program
        dtheta = np.zeros(link.runner.n_theta)
        dX = np.zeros_like(link.X)
        # The state before the current operation at unshifted angles, advanced as the
        # occurrences are visited in program order: each shifted run starts there.
        if link.start is None:
            psi = np.zeros((2 ** prog.n_qubits, batch), dtype=complex)
            psi[0] = 1
        else:
            psi = np.array(link.start, dtype=complex, copy=True)
        at = 0
        kern = link.runner.kernels
        for occ in occurrences(prog):
            if occ.index > at:
                kern.forward(psi, prog.code[at:occ.index], link.mats1, link.mats2)
                at = occ.index
            shifts = [s for s, _ in occ.rule]
            k = len(shifts)
            m1, m2 = tiles(j, k)
            mats = m2 if isinstance(occ.op, Param2) else m1
            kept = mats[occ.op.slot].copy()
            mats[occ.op.slot] = shifted_matrix(occ, link.theta, link.X, shifts)
            state = np.ascontiguousarray(np.tile(psi, (1, k)))
            try:
                kern.forward(state, prog.code[occ.index:], m1, m2)
            finally:
                mats[occ.op.slot] = kept
            for i in range(j + 1, len(links)):
                links[i].runner.kernels.forward(state, links[i].program.code, *tiles(i, k))
            out = _readouts(terminal, state, shots, rng).reshape(k, batch, -1)
            deriv = sum(c * out[s] for s, (_, c) in enumerate(occ.rule))
            occ.angle.backprop(np.einsum("bw,bw->b", g, deriv), link.theta, link.X, dtheta, dX)
        results.append((dtheta, dX))
    return results


def split_gradients(link: Link, dtheta: np.ndarray, dX: np.ndarray):
    """(dparams by "owner.name", d(args) per port or None) as BlockRunner.backward gives them."""
    dparams = {key: dtheta[start:start + size] for key, start, size in link.runner.param_slices}
    dargs = []
    off = link.offsets
    for p in range(len(off) - 1):
        dargs.append(dX[:, off[p]:off[p + 1]] if off[p + 1] > off[p] else None)
    return dparams, dargs


# ---- the whole model ----------------------------------------------------------------------------

class _Pending:
    """Stands in for the adjoint state handed to a state block in CompiledModel.backward: its
    gradients were computed with the chain it feeds, and wait in the context."""

    __slots__ = ()


_PENDING = _Pending()


class _Context:
    def __init__(self, model, shots, rng, shifted):
        self.model = model
        self.shots = shots
        self.rng = rng
        self.shifted = shifted  # nodes whose gradient is by parameter shift
        self.links: dict = {}
        self.pending: dict = {}

    def chain(self, node) -> list:
        nodes = [node]
        while self.model.ir.nodes[nodes[-1]]["op"].from_state:
            nodes.append(self.model.args[nodes[-1]][0])
        return nodes[::-1]


class ShiftRunner:
    """Wraps a BlockRunner for CompiledModel's own forward and backward walks: the forward keeps
    what shifted re-runs need (and samples the readouts when shots are set), the backward is by
    parameter shift. Everything else is the wrapped runner's."""

    def __init__(self, ctx: _Context, node, runner):
        self._ctx = ctx
        self._node = node
        self._runner = runner

    def __getattr__(self, name):
        return getattr(self._runner, name)

    def forward(self, params, args, batch, start=None, keep=False, rng=None, **kw):
        ctx = self._ctx
        out, cache = self._runner.forward(params, args, batch, start=start, keep=True,
                                          rng=ctx.rng if rng is None else rng, **kw)
        if ctx.shots is not None and not self._runner.block.state:
            out = sample_readouts(self._runner.readouts, cache[0], ctx.shots, ctx.rng)
        if self._node in ctx.shifted:
            ctx.links[self._node] = link_from_forward(self._runner, cache, start)
        return out, (cache if keep else None)

    def backward(self, cache, g=None, lam=None, want_inputs=True):
        ctx = self._ctx
        if self._node not in ctx.shifted:
            return self._runner.backward(cache, g=g, lam=lam, want_inputs=want_inputs)
        if isinstance(lam, _Pending):  # a state block: computed with the chain it feeds
            dparams, dargs = split_gradients(ctx.links[self._node], *ctx.pending.pop(self._node))
        else:
            nodes = ctx.chain(self._node)
            links = [ctx.links[n] for n in nodes]
            results = chain_vjp(links, g, ctx.shots, ctx.rng)
            for n, (dth, dX) in zip(nodes[:-1], results[:-1]):
                if n in ctx.pending:  # a state block feeding several chains
                    dth, dX = dth + ctx.pending[n][0], dX + ctx.pending[n][1]
                ctx.pending[n] = (dth, dX)
            dparams, dargs = split_gradients(links[-1], *results[-1])
        from_state = self._runner.block.from_state
        return dparams, dargs, (_PENDING if from_state else None)


def _wrapped(model, ctx: _Context):
    """A shallow copy of the model whose runners are ShiftRunners sharing ctx."""
    m = copy.copy(model)
    m.runners = {n: ShiftRunner(ctx, n, r) for n, r in model.runners.items()}
    return m


def _pick_output(model, output):
    if output is not None:
        return output
    if len(model.outputs) != 1:
        raise ConfigError(f"model `{model.name}` has outputs {', '.join(model.outputs)}: say which "
                          "one the loss is on (output=...)")
    return next(iter(model.outputs))


def _components(model) -> list[set]:
    """The blocks grouped by the states they hand over (a block and every block it feeds a
    state to, transitively, are one circuit)."""
    parent = {n: n for n in model.runners}

    def find(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for n in model.runners:
        if model.ir.nodes[n]["op"].from_state:
            parent[find(n)] = find(model.args[n][0])
    groups: dict = {}
    for n in model.runners:
        groups.setdefault(find(n), set()).add(n)
    return list(groups.values())


def _check_shots(shots):
    if shots is not None and (int(shots) != shots or shots <= 0):
        raise ConfigError(f"shots must be a positive whole number, got {shots}")
    return None if shots is None else int(shots)


def _model_gradient(model, inputs, params, loss, targets, output, shots, seed, blocks):
    """CompiledModel's forward and backward walks with the blocks in `blocks` (node ids; None
    for all), and every block they exchange states with, differentiated by parameter shift and
    the others by adjoint differentiation."""
    shots = _check_shots(shots)
    output = _pick_output(model, output)
    rng = np.random.default_rng(seed)
    shifted = set()
    for comp in _components(model):
        if blocks is None or comp & set(blocks):
            shifted |= comp
    ctx = _Context(model, shots, rng, shifted)
    m = _wrapped(model, ctx)
    outputs, values, caches, params = m._run(inputs, params, keep=True)
    value, g = losses.get(loss)(outputs[output], targets)
    return value, m.backward(values, caches, params, {output: g})


def parameter_shift_gradient(model, inputs, params: dict, loss="mse", targets=None, shots: int | None = None,
                             seed: int = 0, output: str | None = None):
    """(loss value, gradients like CompiledModel.gradient's) with every quantum block
    differentiated by parameter shift (the classical layers by back-propagation). With `shots`,
    every forward run's readouts are estimated from that many measurements, and the loss value
    and the classical back-propagation see those estimates; a `samples` readout is always drawn
    with its own shots. Deterministic for a seed."""
    return _model_gradient(model, inputs, params, loss, targets, output, shots, seed, None)


def forward(model, inputs, params: dict, shots: int | None = None, seed: int = 0, rng=None) -> dict:
    """The model's outputs with every readout estimated from `shots` measurements (exact where
    shots is None): output name -> (batch, width)."""
    shots = _check_shots(shots)
    rng = rng if rng is not None else np.random.default_rng(seed)
    if shots is None:
        return model.forward(inputs, params, rng=rng)
    return _wrapped(model, _Context(model, shots, rng, set()))._run(inputs, params, keep=False)[0]


def _loss_value(model, inputs, params, loss, targets, output, shots, rng) -> float:
    return float(losses.get(loss)(forward(model, inputs, params, shots=shots, rng=rng)[output], targets)[0])


def _as_specs(model, params: dict) -> dict:
    out = dict(params)
    for k, (shape, _) in model.param_specs.items():
        if k in params:
            out[k] = np.array(params[k], dtype=float).reshape(shape)
    return out


def spsa_gradient(model, inputs, params: dict, loss="mse", targets=None, c: float = 0.1, seed: int = 0,
                  shots: int | None = None, output: str | None = None):
    """Simultaneous-perturbation estimate of the gradient: Delta ~ Rademacher over every
    parameter element, g = (L(p + c Delta) - L(p - c Delta)) / (2c) * Delta. Two loss
    evaluations; the loss value returned is their mean (L(p) + O(c^2)). Deterministic for a seed."""
    if not c > 0:
        raise ConfigError(f"the SPSA perturbation c must be positive, got {c}")
    shots = _check_shots(shots)
    output = _pick_output(model, output)
    rng = np.random.default_rng(seed)
    base = _as_specs(model, params)
    delta = {k: rng.integers(0, 2, size=shape).astype(float) * 2 - 1
             for k, (shape, _) in model.param_specs.items()}
    plus = dict(base)
    minus = dict(base)
    for k, d in delta.items():
        plus[k] = base[k] + c * d
        minus[k] = base[k] - c * d
    lp = _loss_value(model, inputs, plus, loss, targets, output, shots, rng)
    lm = _loss_value(model, inputs, minus, loss, targets, output, shots, rng)
    scale = (lp - lm) / (2 * c)
    return 0.5 * (lp + lm), {k: scale * d for k, d in delta.items()}


def finite_difference_gradient(model, inputs, params: dict, loss="mse", targets=None, eps: float = 1e-6,
                               output: str | None = None):
    """Central differences, one parameter element at a time (2 forward runs each), on exact
    readouts; for checking other gradients."""
    output = _pick_output(model, output)
    base = _as_specs(model, params)
    fn = losses.get(loss)

    def value(p):
        return float(fn(model.forward(inputs, p)[output], targets)[0])

    grads = {}
    for k, (shape, _) in model.param_specs.items():
        g = np.zeros(shape)
        for i in range(g.size):
            p = dict(base)
            p[k] = base[k].copy()
            p[k].flat[i] += eps
            up = value(p)
            p[k].flat[i] -= 2 * eps
            dn = value(p)
            g.flat[i] = (up - dn) / (2 * eps)
        grads[k] = g
    return value(base), grads


METHODS = ("adjoint", "parameter_shift", "spsa", "finite_diff")


def gradient(model, inputs, params: dict, loss="mse", targets=None, output: str | None = None,
             method: str | None = None, shots: int | None = None, seed: int = 0, **options):
    """(loss value, gradients) by `method`, or by the methods the compiler recorded on the
    blocks (`QuantumBlock.gradient`) when it is None: SPSA or finite differences if a block asks
    for them (they perturb the whole model), else parameter shift for the blocks that ask for it
    or read samples (all of them when shots are set) and adjoint differentiation for the rest.
    `options` go to the method (c for SPSA, eps for finite differences)."""
    shots = _check_shots(shots)
    if method is None:
        recorded = {model.ir.nodes[n]["op"].gradient for n in model.runners}
        method = next((m for m in ("spsa", "finite_diff") if m in recorded), None)
        if method is None:
            asked = [n for n, r in model.runners.items()
                     if model.ir.nodes[n]["op"].gradient == "parameter_shift" or not r.readouts.differentiable]
            return _model_gradient(model, inputs, params, loss, targets, output, shots, seed,
                                   None if shots is not None else asked)
    if method not in METHODS:
        raise ConfigError(f"unknown gradient method `{method}`", hint=f"choose one of {', '.join(METHODS)}")
    if method == "adjoint":
        if shots is not None:
            raise ConfigError("adjoint differentiation needs the exact state, not shots",
                              hint="use parameter_shift or spsa with shots")
        return _model_gradient(model, inputs, params, loss, targets, output, None, seed, ())
    if method == "parameter_shift":
        return parameter_shift_gradient(model, inputs, params, loss, targets, shots=shots, seed=seed,
                                        output=output)
    if method == "spsa":
        return spsa_gradient(model, inputs, params, loss, targets, seed=seed, shots=shots, output=output,
                             **options)
    if shots is not None:
        raise ConfigError("finite differences need exact readouts: shot noise swamps a small step",
                          hint="use parameter_shift or spsa with shots")
    return finite_difference_gradient(model, inputs, params, loss, targets, output=output, **options)
