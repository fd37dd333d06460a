"""Zero-noise extrapolation: fold gates to scale the noise, fit, and read the fit at zero noise.

Folding replaces a circuit C by one that computes the same unitary with more noisy gates:

- global folding: C (C^dagger C)^k, then the last gates of C folded once more until the count of
  noisy gates is `scale` times the original (Mitiq's `fold_global`);
- local folding: every noisy gate G becomes G (G^dagger G)^k, and a seeded random subset of
  gates one fold more, to reach `scale` (Mitiq's `fold_gates_at_random`, with a seed).

Gates that carry no noise (the noise model's `virtual` ones, Rz by default) are not counted and
not folded. Inverses stay native on IBM gate sets: SX^dagger is written Rz(pi) SX Rz(pi) (equal up
to a global phase), so a folded native circuit needs no rebase. Each fold sits between barriers so
that no later optimisation cancels it. The scale reached exactly is `noise_scale(original,
folded)`; extrapolation uses the scales reached, not the ones asked for.

Extrapolation fits values measured at scales s_1..s_m and evaluates the fit at 0:
`richardson` (the polynomial through all points), `linear` (least squares line) and
`exponential` (a + b exp(-c s); the asymptote a is 0 by default, the value of a Pauli
expectation under depolarising noise, or fitted when None).

    >>> from pytket import Circuit
    >>> c = Circuit(2).SX(0).CX(0, 1).Rz(0.3, 1)
    >>> noise_scale(c, fold_global(c, 3))
    3.0
    >>> richardson([1, 2, 3], np.array([3.0, 5.0, 7.0]))   # 2s + 1 at s = 0
    1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from pytket import Circuit, OpType
from pytket.circuit import Op

from ..diagnostics import ConfigError
from ..passes.base import Pass

DEFAULT_NOISELESS = ("Rz",)


def _noisy(cmd, noiseless) -> bool:
    return cmd.op.type != OpType.Barrier and cmd.op.type.name not in noiseless


def inverse_ops(cmd) -> list[tuple[Op, list]]:
    """The inverse of one gate as gates, native where the gate set is IBM's."""
    t = cmd.op.type
    if t == OpType.SX:
        rz = Op.create(OpType.Rz, [1])
        return [(rz, cmd.qubits), (cmd.op, cmd.qubits), (rz, cmd.qubits)]
    if t in (OpType.X, OpType.Y, OpType.Z, OpType.H, OpType.CX, OpType.CZ, OpType.SWAP, OpType.ECR):
        return [(cmd.op, cmd.qubits)]
    return [(cmd.op.dagger, cmd.qubits)]


def _empty_like(circuit: Circuit) -> Circuit:
    c = Circuit()
    for q in circuit.qubits:
        c.add_qubit(q)
    for b in circuit.bits:
        c.add_bit(b)
    return c


def _add(c: Circuit, op: Op, args) -> None:
    c.add_gate(op, list(args))


def _check_scale(scale: float) -> float:
    if not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale < 1:
        raise ConfigError(f"a noise scale factor must be a number >= 1, got {scale!r}")
    return float(scale)


def count_noisy(circuit: Circuit, noiseless=DEFAULT_NOISELESS) -> int:
    return sum(_noisy(cmd, noiseless) for cmd in circuit.get_commands())


def noise_scale(original: Circuit, folded: Circuit, noiseless=DEFAULT_NOISELESS) -> float:
    """How many times more noisy gates `folded` has than `original`."""
    n = count_noisy(original, noiseless)
    return count_noisy(folded, noiseless) / n if n else 1.0


def fold_global(circuit: Circuit, scale: float, noiseless=DEFAULT_NOISELESS) -> Circuit:
    """C (C^dagger C)^k L^dagger L, with L the shortest tail of C that brings the noisy gate
    count to `scale` times the original (rounded to the nearest gate)."""
    scale = _check_scale(scale)
    cmds = [cmd for cmd in circuit.get_commands() if cmd.op.type != OpType.Barrier]
    n = sum(_noisy(c, noiseless) for c in cmds)
    out = _empty_like(circuit)
    for cmd in circuit.get_commands():
        _add(out, cmd.op, cmd.args)
    if not n:
        return out
    k = int((scale - 1) // 2)
    extra = round((scale - 1 - 2 * k) / 2 * n)
    if extra == n:
        k, extra = k + 1, 0
    everything = list(circuit.qubits)

    def fold(segment):
        out.add_barrier(everything)
        for cmd in reversed(segment):
            for op, args in inverse_ops(cmd):
                _add(out, op, args)
        out.add_barrier(everything)
        for cmd in segment:
            _add(out, cmd.op, cmd.args)

    for _ in range(k):
        fold(cmds)
    if extra:
        tail, seen = [], 0
        for cmd in reversed(cmds):
            tail.append(cmd)
            seen += _noisy(cmd, noiseless)
            if seen == extra:
                break
        fold(list(reversed(tail)))
    return out


def fold_local(circuit: Circuit, scale: float, seed: int = 0, noiseless=DEFAULT_NOISELESS) -> Circuit:
    """Every noisy gate G as G (G^dagger G)^k, and a seeded random choice of gates folded once
    more, so that the noisy gate count is `scale` times the original (to the nearest 2 gates)."""
    scale = _check_scale(scale)
    cmds = circuit.get_commands()
    noisy = [i for i, cmd in enumerate(cmds) if _noisy(cmd, noiseless)]
    k = int((scale - 1) // 2)
    extra = round((scale - 1 - 2 * k) / 2 * len(noisy))
    folds = dict.fromkeys(noisy, k)
    if extra:
        for i in np.random.default_rng(seed).choice(noisy, size=min(extra, len(noisy)), replace=False):
            folds[int(i)] += 1
    out = _empty_like(circuit)
    for i, cmd in enumerate(cmds):
        _add(out, cmd.op, cmd.args)
        for _ in range(folds.get(i, 0)):
            out.add_barrier(list(cmd.qubits))
            for op, args in inverse_ops(cmd):
                _add(out, op, args)
            out.add_barrier(list(cmd.qubits))
            _add(out, cmd.op, cmd.args)
    return out


FOLDINGS = {"global": fold_global, "local": fold_local}


def fold(circuit: Circuit, scale: float, method: str = "global", seed: int = 0,
         noiseless=DEFAULT_NOISELESS) -> Circuit:
    if method == "global":
        return fold_global(circuit, scale, noiseless)
    if method == "local":
        return fold_local(circuit, scale, seed, noiseless)
    raise ConfigError(f"unknown folding `{method}`", hint="choose global or local")


# ---- extrapolation -------------------------------------------------------------------------------

def _prep(scales, values):
    s = np.asarray(scales, dtype=float)
    y = np.asarray(values, dtype=float)
    if y.shape[0] != len(s):
        raise ConfigError(f"{len(s)} scales but {y.shape[0]} rows of values")
    if len(set(s.tolist())) != len(s):
        raise ConfigError(f"noise scales must differ, got {s.tolist()}")
    return s, y


def richardson(scales, values) -> np.ndarray:
    """The value at 0 of the polynomial of degree m - 1 through m points (per element of values)."""
    s, y = _prep(scales, values)
    w = np.array([np.prod([s[j] / (s[j] - s[i]) for j in range(len(s)) if j != i]) for i in range(len(s))])
    return np.tensordot(w, y, axes=1)


def polynomial(scales, values, degree: int) -> np.ndarray:
    s, y = _prep(scales, values)
    if degree >= len(s):
        raise ConfigError(f"a degree-{degree} fit needs at least {degree + 1} scales, got {len(s)}")
    V = np.vander(s, degree + 1, increasing=True)
    coef = np.linalg.lstsq(V, y.reshape(len(s), -1), rcond=None)[0]
    return coef[0].reshape(y.shape[1:])


def linear(scales, values) -> np.ndarray:
    """Intercept of the least-squares line through the points."""
    return polynomial(scales, values, 1)


def exponential(scales, values, asymptote: float | None = 0.0) -> np.ndarray:
    """a + b exp(-c s) at s = 0. With the asymptote a known: a line through log|y - a|. With
    a = None: for each c of a grid, least squares for a and b; the best c wins. Elements whose
    y - a change sign or vanish fall back to the linear fit."""
    s, y = _prep(scales, values)
    flat = y.reshape(len(s), -1)
    lin = linear(s, flat)
    if asymptote is not None:
        d = flat - asymptote
        sign = np.sign(d[0])
        ok = np.all(np.sign(d) == sign, axis=0) & np.all(np.abs(d) > 1e-12, axis=0)
        logd = np.log(np.where(ok, np.abs(d), 1.0))
        z0 = polynomial(s, logd, 1)
        out = np.where(ok, asymptote + sign * np.exp(z0), lin)
        return out.reshape(y.shape[1:])
    if len(s) < 3:
        raise ConfigError("an exponential fit with a free asymptote needs at least 3 scales")
    # Variable projection: for a decay rate c, a and b are a linear least-squares fit (closed
    # form, every element at once); c is searched on a log grid, then zoomed in seven times.
    m = len(s)
    E = flat.shape[1]

    def fit(c):  # c: (E,) -> (value at 0, residual)
        e = np.exp(-np.outer(s, c))
        se, see, sy, sey = e.sum(0), (e * e).sum(0), flat.sum(0), (e * flat).sum(0)
        det = m * see - se ** 2
        ok = np.abs(det) > 1e-15
        b = np.where(ok, (m * sey - se * sy) / np.where(ok, det, 1.0), 0.0)
        a = (sy - b * se) / m
        res = ((a + b * e - flat) ** 2).sum(0)
        return a + b, np.where(ok, res, np.inf)

    grid = np.geomspace(1e-3, 10, 60)
    width = np.log(grid[1] / grid[0])
    best_c = np.full(E, grid[0])
    best_res = np.full(E, np.inf)
    out = lin.copy()
    for _ in range(8):
        for c in grid if np.ndim(grid) == 1 else grid.T:
            cc = np.broadcast_to(c, (E,))
            v, res = fit(cc)
            better = res < best_res
            best_res = np.where(better, res, best_res)
            best_c = np.where(better, cc, best_c)
            out = np.where(better, v, out)
        grid = (best_c[None, :] * np.exp(np.linspace(-width, width, 21))[:, None]).T  # (E, 21)
        width /= 8
    return out.reshape(y.shape[1:])


EXTRAPOLATIONS = {"richardson": richardson, "linear": linear, "exponential": exponential}


def extrapolate(method: str, scales, values) -> np.ndarray:
    if method not in EXTRAPOLATIONS:
        raise ConfigError(f"unknown extrapolation `{method}`", hint="choose " + ", ".join(EXTRAPOLATIONS))
    return EXTRAPOLATIONS[method](scales, values)


@dataclass(frozen=True)
class ZNE:
    """Zero-noise extrapolation settings: scale factors, folding, fit, seed (local folding)."""

    scales: tuple[float, ...] = (1.0, 3.0, 5.0)
    folding: str = "global"
    extrapolation: str = "richardson"
    seed: int = 0

    def __post_init__(self):
        if len(self.scales) < 2:
            raise ConfigError("zero-noise extrapolation needs at least two scale factors")
        for s in self.scales:
            _check_scale(s)
        if self.folding not in FOLDINGS:
            raise ConfigError(f"unknown folding `{self.folding}`", hint="choose global or local")
        if self.extrapolation not in EXTRAPOLATIONS:
            raise ConfigError(f"unknown extrapolation `{self.extrapolation}`",
                              hint="choose " + ", ".join(EXTRAPOLATIONS))


# ---- as a pass over the intermediate graph -------------------------------------------------------

@dataclass(frozen=True)
class FoldPass(Pass):
    """Folds the circuit of every quantum block (run it after compilation to a native gate set).

    Reads no facts; writes `zne-scale` (block name -> scale reached). Use from the command line
    as `--pass qml_compiler.noise.zne:FoldPass`."""

    name: ClassVar[str] = "zne-fold"
    description: ClassVar[str] = "fold gates to scale the noise (zero-noise extrapolation)"
    scale: float = 3.0
    method: str = "global"
    seed: int = 0

    def run(self, graph, ctx):
        from ..ir.nodes import QuantumBlock

        g = graph.copy()
        reached = {}
        for n, data in g.nodes(data=True):
            op = data["op"]
            if isinstance(op, QuantumBlock):
                folded = fold(op.circuit, self.scale, self.method, self.seed)
                reached[op.name] = noise_scale(op.circuit, folded)
                g.nodes[n]["op"] = op.with_(circuit=folded)
        ctx.facts["zne-scale"] = reached
        return g
