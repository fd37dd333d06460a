"""Templates: named circuit families a quantum block calls as statements.

    quantum clf(x[4]) on q[4] {
        param theta[3, 4, 2];
        angle_encoding(x, axis=Y);
        hardware_efficient(theta, layers=3, rotations=[ry, rz], entangle=ring);
        readout expval(Z[0]);
    }

The checker resolves the arguments of a template call (a data input becomes a `DataVec`, a whole
parameter a `ParamTensor`, a bare name such as `ring` or `ry` a `Word`, `[..]` a list, `(..)` a
tuple, a single element such as `x[0]` or `2*theta[1]` an `Angle`) and calls `expand_template`,
which returns the flat list of `GateOp`s. Every op carries the span of the call. Qubits are
0..n-1 of the block (n = its number of qubits); a `ParamRef` indexes the parameter row-major;
`InputRef(x, i)` is element i of data input x. Wherever a template wants a data vector it also
accepts a list of angles (`[x[0], 2*x[1]]`).

The templates, their signatures and exact semantics:

`angle_encoding(x, axis=Y, scale=1, cycle=false)`
    R_axis(scale·x[i]) on qubit i for i < width(x); axis is X, Y or Z (rx, ry, rz); scale is a
    number or an angle. width(x) > n is an error unless `cycle=true`, which gives every qubit i
    the feature x[i % width] (so features repeat when width < n, and only the first n are used
    when width > n).

`zz_feature_map(x, reps=1)`
    Qiskit's `ZZFeatureMap` with full entanglement; width(x) must equal n. Each rep: h on every
    qubit; p(2·x[i]) on qubit i; then for each pair i < j in lexicographic order: cx(i, j),
    p(2·(π − x[i])·(π − x[j])) on j, cx(i, j).

`iqp_encoding(x, reps=1)`
    PennyLane's `IQPEmbedding`; width(x) must equal n. Each rep: h on every qubit; rz(x[i]) on
    qubit i; then for each pair i < j in lexicographic order: rzz(x[i]·x[j]) on (i, j).

`amplitude_encoding(x)`
    Prepares the real state x/|x| (zero-padded to 2**n amplitudes; width(x) ≤ 2**n) with qubit 0
    the most significant bit of the amplitude index. Möttönen et al.'s construction: qubit k gets
    a uniformly controlled RY (controls: qubits 0..k-1) whose angle for control prefix c is
    2·arctan2(|second half of block c|, |first half|), norms being sqrt of sums of squares; at
    the last qubit the halves are single amplitudes, so arctan2 of the signed amplitudes makes
    negative entries come out right. Each uniformly controlled RY is 2**k ry and 2**k cx in
    Gray-code order (none for qubit 0, and nothing for a qubit whose angles are all zero). The
    all-zero input gives |0..0>.

`hardware_efficient(theta, layers=1, rotations=[ry, rz], entangle=ring, entangler=cx)`
    theta has shape [layers, n, len(rotations)]. Each layer l: for each qubit q in order, each
    rotation k in order (rx, ry or rz) with angle theta[l, q, k]; then the entangler (cx or cz)
    on each pair of `entangle` in order: `line` = (0,1), (1,2), …, (n−2, n−1); `ring` = line
    then (n−1, 0) when n > 2 (n = 2 gives just (0, 1)); `full` = all (i, j), i < j, in
    lexicographic order; `none`; or a list of pairs such as [(0, 1), (2, 3)].

`strongly_entangling(w, layers=1)`
    PennyLane's `StronglyEntanglingLayers` with its default ranges; w has shape [layers, n, 3].
    Each layer l: on each qubit q, Rot(w[l,q,0], w[l,q,1], w[l,q,2]) = rz(w[l,q,0]), then
    ry(w[l,q,1]), then rz(w[l,q,2]); then, if n > 1, cx(q, (q + r) % n) for q = 0..n−1 with
    r = (l % (n − 1)) + 1.

`reupload(x, w, b, layers=1, entangle=none)`
    The data re-uploading classifier of Pérez-Salinas et al. With d = width(x) and
    c = ceil(d/3) chunks, w and b have shape [layers, n, 3c]. Each layer l, each qubit q, each
    chunk j: a_k = w[l,q,3j+k]·x[3j+k] + b[l,q,3j+k] for k = 0, 1, 2 (just b[l,q,3j+k] where
    3j+k ≥ d); rz(a_0), ry(a_1), rz(a_2). After each layer but the last, cz on the pairs of
    `entangle` (none, line, ring, full or a list of pairs, as above).

Mistakes raise `QmlError`s with the span of the offending argument (of the call when it is about
the call): a missing argument, too many, or a value of the wrong kind or an option value not
allowed (`TypeMismatch`, the allowed values in the hint); an unknown keyword (`UnknownName`);
a parameter of the wrong shape or data of a width that does not fit the qubits (`ShapeError`);
a pair with a qubit out of range or repeated (`QubitError`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from ..diagnostics import (QubitError, ShapeError, Span, TypeMismatch, UnknownName,
                           did_you_mean)
from .ast import BinOp, Call, Neg, Num
from .model import FUNCTIONS, Angle, GateOp, InputRef, ParamRef, add, mul, neg
from .native import NATIVE_WORDS, native_pairs

__all__ = ["DataVec", "ParamTensor", "Word", "TEMPLATES", "expand_template"]


@dataclass(frozen=True)
class DataVec:
    """A data input of the block, e.g. `x` declared as `x[2]`."""

    name: str
    width: int


@dataclass(frozen=True)
class ParamTensor:
    """A declared trainable parameter, e.g. `theta[3, 4, 2]`."""

    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Word:
    """A bare name used as an option value: `Y`, `ring`, `ry`, `cx`, `none`, `true`, `false`."""

    name: str


TEMPLATES: dict[str, str] = {
    "angle_encoding": "angle_encoding(x, axis=Y, scale=1, cycle=false): "
                      "R_axis(scale*x[i]) on qubit i",
    "zz_feature_map": "zz_feature_map(x, reps=1): Qiskit's ZZFeatureMap, full entanglement; "
                      "width(x) = qubits",
    "iqp_encoding": "iqp_encoding(x, reps=1): PennyLane's IQPEmbedding (h, rz(x_i), "
                    "rzz(x_i*x_j)); width(x) = qubits",
    "amplitude_encoding": "amplitude_encoding(x): prepares x/|x| (zero-padded to 2**qubits "
                          "amplitudes, qubit 0 most significant)",
    "hardware_efficient": "hardware_efficient(theta, layers=1, rotations=[ry, rz], "
                          "entangle=ring, entangler=cx): theta[layers, qubits, len(rotations)]",
    "strongly_entangling": "strongly_entangling(w, layers=1): PennyLane's "
                           "StronglyEntanglingLayers; w[layers, qubits, 3]",
    "reupload": "reupload(x, w, b, layers=1, entangle=none): data re-uploading; "
                "w, b[layers, qubits, 3*ceil(width(x)/3)]",
}
"""Every template, with a one-line description that starts with its signature."""


# ---- arguments --------------------------------------------------------------------------------

_REQUIRED = object()

_SIGNATURES: dict[str, tuple[tuple[str, object], ...]] = {
    "angle_encoding": (("x", _REQUIRED), ("axis", Word("Y")), ("scale", 1), ("cycle", False)),
    "zz_feature_map": (("x", _REQUIRED), ("reps", 1)),
    "iqp_encoding": (("x", _REQUIRED), ("reps", 1)),
    "amplitude_encoding": (("x", _REQUIRED),),
    "hardware_efficient": (("theta", _REQUIRED), ("layers", 1),
                           ("rotations", [Word("ry"), Word("rz")]), ("entangle", Word("ring")),
                           ("entangler", Word("cx"))),
    "strongly_entangling": (("w", _REQUIRED), ("layers", 1)),
    "reupload": (("x", _REQUIRED), ("w", _REQUIRED), ("b", _REQUIRED), ("layers", 1),
                 ("entangle", Word("none"))),
}


def _signature(name: str) -> str:
    return TEMPLATES[name].split(": ", 1)[0]


class _Args:
    """The bound arguments of one call: name -> (value, span)."""

    def __init__(self, template: str, values: dict[str, tuple[object, Span]], n: int, span: Span):
        self.template = template
        self.values = values
        self.n = n
        self.span = span

    def __getitem__(self, key: str) -> tuple[object, Span]:
        return self.values[key]

    def error(self, cls: type, message: str, span: Span, hint: str | None = None):
        return cls(f"`{self.template}` {message}", span, hint=hint)


def _bind(name: str, args: list[tuple[object, Span]], kwargs: dict[str, tuple[object, Span]],
          n_qubits: int, span: Span) -> _Args:
    sig = _SIGNATURES[name]
    names = [p for p, _ in sig]
    bound: dict[str, tuple[object, Span]] = {}
    if len(args) > len(sig):
        extra_span = args[len(sig)][1]
        raise TypeMismatch(
            f"`{name}` takes at most {len(sig)} positional argument{'s' if len(sig) != 1 else ''}"
            f", got {len(args)}", extra_span, hint=f"the signature is `{_signature(name)}`")
    for (pname, _), arg in zip(sig, args):
        bound[pname] = arg
    for key, (value, vspan) in kwargs.items():
        if key not in names:
            hint = did_you_mean(key, names) or f"the signature is `{_signature(name)}`"
            raise UnknownName(f"`{name}` has no argument `{key}`", vspan, hint=hint)
        if key in bound:
            raise TypeMismatch(f"`{name}` got two values for argument `{key}`", vspan,
                               hint=f"the signature is `{_signature(name)}`")
        bound[key] = (value, vspan)
    for pname, default in sig:
        if pname not in bound:
            if default is _REQUIRED:
                raise TypeMismatch(f"`{name}` is missing its argument `{pname}`", span,
                                   hint=f"the signature is `{_signature(name)}`")
            bound[pname] = (default, span)
    return _Args(name, bound, n_qubits, span)


_ANGLE_TYPES = (Num, ParamRef, InputRef, BinOp, Neg, Call)


def _describe(v: object) -> str:
    if isinstance(v, DataVec):
        return f"data input `{v.name}`"
    if isinstance(v, ParamTensor):
        return f"parameter `{v.name}`"
    if isinstance(v, Word):
        return f"`{v.name}`"
    if isinstance(v, bool):
        return f"`{'true' if v else 'false'}`"
    if isinstance(v, (int, float)):
        return f"the number {v:g}" if isinstance(v, float) else f"the number {v}"
    if isinstance(v, Num):
        return _describe(v.value)
    if isinstance(v, ParamRef):
        return f"a single element of parameter `{v.name}`"
    if isinstance(v, InputRef):
        return f"a single element of data input `{v.name}`"
    if isinstance(v, _ANGLE_TYPES):
        return "a single angle expression"
    if isinstance(v, tuple):
        return "a tuple"
    if isinstance(v, list):
        return "a list"
    if v is None:
        return "nothing"
    return f"a {type(v).__name__}"


def _ordinal(i: int) -> str:
    return ["first", "second", "third", "fourth", "fifth"][i] if i < 5 else f"argument {i + 1}"


def _which(a: _Args, key: str) -> str:
    """How an error names argument `key`: 'its first argument' or '`layers`'."""
    names = [p for p, _ in _SIGNATURES[a.template]]
    i = names.index(key)
    if _SIGNATURES[a.template][i][1] is _REQUIRED:
        return f"its {_ordinal(i)} argument"
    return f"`{key}`"


def _data(a: _Args, key: str) -> list[Angle]:
    """A data vector: a whole data input, or a list of angles."""
    v, span = a[key]
    if isinstance(v, DataVec):
        return [InputRef(v.name, i) for i in range(v.width)]
    if isinstance(v, list) and v and all(_is_angle(e) for e in v):
        return [_angle(e) for e in v]
    hint = None
    if isinstance(v, (ParamRef, InputRef, BinOp, Neg, Call)):
        hint = "pass a whole data input such as `x`, or a list of angles such as `[x[0], x[1]]`"
    elif isinstance(v, ParamTensor):
        hint = "trainable parameters go to the weight arguments; data inputs are declared " \
               "in the block's header, e.g. `quantum f(x[4]) on q[4]`"
    raise a.error(TypeMismatch, f"expects a data input as {_which(a, key)}, got {_describe(v)}",
                  span, hint)


def _param(a: _Args, key: str, shape: tuple[int, ...], why: str) -> ParamTensor:
    """A whole trainable parameter of exactly `shape`; `why` explains the shape in errors."""
    v, span = a[key]
    if not isinstance(v, ParamTensor):
        hint = None
        if isinstance(v, ParamRef):
            hint = f"pass the whole parameter `{v.name}`, not one element of it"
        elif isinstance(v, DataVec):
            hint = f"declare a parameter, e.g. `param {key}{_fmt(shape)};`, and pass it"
        raise a.error(TypeMismatch,
                      f"expects a trainable parameter as {_which(a, key)}, got {_describe(v)}",
                      span, hint)
    if tuple(v.shape) != tuple(shape):
        raise a.error(ShapeError, f"{why} needs {v.name} of shape {_fmt(shape)}, got "
                      f"{_fmt(v.shape)}", span,
                      hint=f"declare it as `param {v.name}{_fmt(shape)};`")
    return v


def _fmt(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _is_angle(v: object) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or isinstance(v, _ANGLE_TYPES)


def _angle(v: object) -> Angle:
    return Num(v) if isinstance(v, (int, float)) else v  # type: ignore[return-value]


def _int_value(v: object) -> int | None:
    if isinstance(v, Num):
        v = v.value
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _count(a: _Args, key: str) -> int:
    """A positive whole number (`layers`, `reps`)."""
    v, span = a[key]
    k = _int_value(v)
    if k is None or k < 1:
        raise a.error(TypeMismatch, f"expects a positive whole number for `{key}`, got "
                      f"{_describe(v)}", span, hint=f"e.g. `{key}=2`")
    return k


def _word(a: _Args, key: str, allowed: tuple[str, ...], *, fold_case: bool = False) -> str:
    v, span = a[key]
    name = v.name if isinstance(v, Word) else None
    if name is not None:
        cand = name.upper() if fold_case else name
        if cand in allowed:
            return cand
    listed = ", ".join(allowed)
    raise a.error(TypeMismatch, f"does not accept {_describe(v)} for `{key}`", span,
                  hint=f"`{key}` is one of {listed}")


def _flag(a: _Args, key: str) -> bool:
    v, span = a[key]
    if isinstance(v, bool):
        return v
    if isinstance(v, Word) and v.name in ("true", "false"):
        return v.name == "true"
    raise a.error(TypeMismatch, f"does not accept {_describe(v)} for `{key}`", span,
                  hint=f"`{key}` is `true` or `false`")


def _pairs(a: _Args, key: str) -> list[tuple[int, int]]:
    """An entanglement pattern: line, ring, full, none, or a list of qubit pairs."""
    v, span = a[key]
    n = a.n
    allowed = ("`line`, `ring`, `full`, `none`, `native`, `native_ring`, `native_all` or a list of "
               "pairs such as `[(0, 1), (1, 2)]`")
    if v is None or isinstance(v, Word):
        name = "none" if v is None else v.name
        if name == "none":
            return []
        if name in NATIVE_WORDS:
            def fail(message, hint):
                raise a.error(QubitError, message, span, hint=hint)
            return native_pairs(name, n, a.span, fail)
        if name == "line":
            return [(i, i + 1) for i in range(n - 1)]
        if name == "ring":
            return [(i, i + 1) for i in range(n - 1)] + ([(n - 1, 0)] if n > 2 else [])
        if name == "full":
            return [(i, j) for i in range(n) for j in range(i + 1, n)]
        hint = did_you_mean(name, ["line", "ring", "full", "none", *NATIVE_WORDS])
        raise a.error(TypeMismatch, f"does not accept {_describe(v)} for `{key}`", span,
                      hint=(hint + "; " if hint else "") + f"`{key}` is {allowed}")
    if not isinstance(v, (list, tuple)):
        raise a.error(TypeMismatch, f"does not accept {_describe(v)} for `{key}`", span,
                      hint=f"`{key}` is {allowed}")
    items = [v] if isinstance(v, tuple) and len(v) == 2 and all(
        _int_value(e) is not None for e in v) else list(v)
    out = []
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2 or any(
                _int_value(e) is None for e in item):
            raise a.error(TypeMismatch, f"expects pairs of qubit indices in `{key}`, got "
                          f"{_describe(item)}", span, hint=f"`{key}` is {allowed}")
        i, j = (_int_value(e) for e in item)
        for q in (i, j):
            if not 0 <= q < n:  # type: ignore[operator]
                raise a.error(QubitError, f"pair ({i}, {j}) in `{key}`: qubit {q} is out of "
                              f"range for a block of {n} qubit{'s' if n != 1 else ''}", span,
                              hint=f"qubits are 0..{n - 1}")
        if i == j:
            raise a.error(QubitError, f"pair ({i}, {j}) in `{key}` uses qubit {i} twice", span)
        out.append((i, j))  # type: ignore[arg-type]
    return out


def _rotation_list(a: _Args, key: str) -> list[str]:
    v, span = a[key]
    items = v if isinstance(v, (list, tuple)) else [v]
    allowed = ("rx", "ry", "rz")
    out = []
    for item in items:
        if not (isinstance(item, Word) and item.name.lower() in allowed):
            raise a.error(TypeMismatch, f"does not accept {_describe(item)} in `{key}`", span,
                          hint=f"`{key}` is a list of rx, ry, rz, e.g. `[ry, rz]`")
        out.append(item.name.lower())
    if not out:
        raise a.error(TypeMismatch, f"needs at least one rotation in `{key}`", span,
                      hint=f"`{key}` is a list of rx, ry, rz, e.g. `[ry, rz]`")
    return out


def _scale(a: _Args, key: str) -> Angle:
    v, span = a[key]
    if _is_angle(v):
        return _angle(v)
    raise a.error(TypeMismatch, f"expects a number or an angle for `{key}`, got {_describe(v)}",
                  span, hint=f"e.g. `{key}=0.5` or `{key}=pi`")


# ---- angle helpers ----------------------------------------------------------------------------

def _sub(x: Angle, y: Angle) -> Angle:
    if isinstance(x, Num) and isinstance(y, Num):
        return Num(x.value - y.value)
    if isinstance(y, Num) and y.value == 0:
        return x
    if isinstance(x, Num) and x.value == 0:
        return neg(y)
    return BinOp("-", x, y)


def _call(fn: str, *args: Angle) -> Angle:
    if all(isinstance(v, Num) for v in args):
        return Num(FUNCTIONS[fn](*(v.value for v in args)))  # type: ignore[union-attr]
    return Call(fn, tuple(args))


def _is_zero(x: Angle) -> bool:
    return isinstance(x, Num) and x.value == 0


def _square(x: Angle) -> Angle:
    if isinstance(x, Num):
        return Num(x.value * x.value)
    return BinOp("**", x, Num(2))


def _sum(xs: list[Angle]) -> Angle:
    out: Angle = Num(0)
    for x in xs:
        out = add(out, x)
    return out


def _norm(xs: list[Angle]) -> Angle:
    return _call("sqrt", _sum([_square(x) for x in xs]))


# ---- the templates ----------------------------------------------------------------------------

def _angle_encoding(a: _Args) -> list[GateOp]:
    x = _data(a, "x")
    axis = _word(a, "axis", ("X", "Y", "Z"), fold_case=True)
    scale = _scale(a, "scale")
    cycle = _flag(a, "cycle")
    gate = "r" + axis.lower()
    n = a.n
    if cycle:
        features = [x[q % len(x)] for q in range(n)]
    else:
        if len(x) > n:
            raise a.error(ShapeError, f"got {len(x)} features for {n} qubit"
                          f"{'s' if n != 1 else ''}", a["x"][1],
                          hint="angle encoding puts one feature on each qubit; use a block with "
                               "more qubits, or `cycle=true` to use only the first ones")
        features = x
    return [GateOp(gate, (q,), (mul(scale, f),), a.span) for q, f in enumerate(features)]


def _needs_width_n(a: _Args, x: list[Angle]) -> None:
    if len(x) != a.n:
        raise a.error(ShapeError, f"needs one feature per qubit: {a.n} qubit"
                      f"{'s' if a.n != 1 else ''}, got {len(x)} feature"
                      f"{'s' if len(x) != 1 else ''}", a["x"][1],
                      hint=f"use a block of {len(x)} qubits, or an input of width {a.n}")


def _zz_feature_map(a: _Args) -> list[GateOp]:
    x = _data(a, "x")
    reps = _count(a, "reps")
    _needs_width_n(a, x)
    n, s = a.n, a.span
    rep: list[GateOp] = [GateOp("h", (q,), (), s) for q in range(n)]
    rep += [GateOp("p", (q,), (mul(Num(2), x[q]),), s) for q in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            phi = mul(Num(2), mul(_sub(Num(math.pi), x[i]), _sub(Num(math.pi), x[j])))
            rep += [GateOp("cx", (i, j), (), s), GateOp("p", (j,), (phi,), s),
                    GateOp("cx", (i, j), (), s)]
    return rep * reps


def _iqp_encoding(a: _Args) -> list[GateOp]:
    x = _data(a, "x")
    reps = _count(a, "reps")
    _needs_width_n(a, x)
    n, s = a.n, a.span
    rep: list[GateOp] = [GateOp("h", (q,), (), s) for q in range(n)]
    rep += [GateOp("rz", (q,), (x[q],), s) for q in range(n)]
    rep += [GateOp("rzz", (i, j), (mul(x[i], x[j]),), s)
            for i in range(n) for j in range(i + 1, n)]
    return rep * reps


def _uniformly_controlled_ry(halves: list[Angle], target: int, span: Span) -> list[GateOp]:
    """RY(2·halves[c]) on `target` when qubits 0..k-1 (k = target, qubit 0 most significant)
    read c, as 2**k ry and 2**k cx in Gray-code order (Möttönen et al. 2004): the ry angles are
    β_i = 2/2**k · Σ_c (-1)^popcount(c & g_i) halves[c], g_i = i ^ (i >> 1), and the cx after
    β_i is controlled by the qubit of the bit where g_i and g_(i+1 mod 2**k) differ."""
    k = target
    size = len(halves)
    if all(_is_zero(x) for x in halves):
        return []
    ops = []
    for i in range(size):
        g = i ^ (i >> 1)
        total: Angle = Num(0)
        for c, half in enumerate(halves):
            if not _is_zero(half):
                total = _sub(total, half) if bin(c & g).count("1") % 2 else add(total, half)
        beta = mul(Num(2 / size) if size > 1 else Num(2), total)
        if not _is_zero(beta):
            ops.append(GateOp("ry", (target,), (beta,), span))
        if k > 0:
            bit = ((i + 1) & -(i + 1)).bit_length() - 1 if i + 1 < size else k - 1
            ops.append(GateOp("cx", (k - 1 - bit, target), (), span))
    return ops


def _amplitude_encoding(a: _Args) -> list[GateOp]:
    x = _data(a, "x")
    n = a.n
    if len(x) > 2 ** n:
        raise a.error(ShapeError, f"can hold at most 2**{n} = {2 ** n} amplitudes on {n} qubit"
                      f"{'s' if n != 1 else ''}, got {len(x)}", a["x"][1],
                      hint=f"use a block of at least {math.ceil(math.log2(len(x)))} qubits")
    amps: list[Angle] = list(x) + [Num(0)] * (2 ** n - len(x))
    ops: list[GateOp] = []
    for k in range(n):
        block = 2 ** (n - k)  # amplitudes under one control prefix c of qubits 0..k-1
        half = block // 2
        halves = []
        for c in range(2 ** k):
            lo = amps[c * block: c * block + half]
            hi = amps[c * block + half: (c + 1) * block]
            if k == n - 1:
                ratio = _call("arctan2", hi[0], lo[0])
            elif all(_is_zero(v) for v in hi):
                ratio = Num(0)
            else:
                ratio = _call("arctan2", _norm(hi), _norm(lo))
            halves.append(ratio)
        ops += _uniformly_controlled_ry(halves, k, a.span)
    return ops


def _hardware_efficient(a: _Args) -> list[GateOp]:
    layers = _count(a, "layers")
    rotations = _rotation_list(a, "rotations")
    pairs = _pairs(a, "entangle")
    entangler = _word(a, "entangler", ("cx", "cz"))
    n, s = a.n, a.span
    shape = (layers, n, len(rotations))
    rot = "[" + ", ".join(rotations) + "]"
    theta = _param(a, "theta", shape, f"with layers={layers}, rotations {rot} on {n} qubit"
                   f"{'s' if n != 1 else ''}")
    ops = []
    for l in range(layers):
        for q in range(n):
            for k, r in enumerate(rotations):
                ops.append(GateOp(r, (q,), (ParamRef(theta.name, _flat(shape, l, q, k)),), s))
        ops += [GateOp(entangler, p, (), s) for p in pairs]
    return ops


def _flat(shape: tuple[int, ...], *index: int) -> int:
    out = 0
    for size, i in zip(shape, index):
        out = out * size + i
    return out


def _strongly_entangling(a: _Args) -> list[GateOp]:
    layers = _count(a, "layers")
    n, s = a.n, a.span
    shape = (layers, n, 3)
    w = _param(a, "w", shape, f"with layers={layers} on {n} qubit{'s' if n != 1 else ''}")
    ops = []
    for l in range(layers):
        for q in range(n):
            ops += [GateOp(g, (q,), (ParamRef(w.name, _flat(shape, l, q, k)),), s)
                    for k, g in enumerate(("rz", "ry", "rz"))]
        if n > 1:
            r = l % (n - 1) + 1
            ops += [GateOp("cx", (q, (q + r) % n), (), s) for q in range(n)]
    return ops


def _reupload(a: _Args) -> list[GateOp]:
    x = _data(a, "x")
    layers = _count(a, "layers")
    pairs = _pairs(a, "entangle")
    n, s = a.n, a.span
    d = len(x)
    chunks = math.ceil(d / 3)
    shape = (layers, n, 3 * chunks)
    why = f"with layers={layers} and {d} feature{'s' if d != 1 else ''} on {n} qubit" \
          f"{'s' if n != 1 else ''}"
    w = _param(a, "w", shape, why)
    b = _param(a, "b", shape, why)
    ops = []
    for l in range(layers):
        for q in range(n):
            for j in range(chunks):
                angles = []
                for k in range(3):
                    f = 3 * j + k
                    i = _flat(shape, l, q, f)
                    bias = ParamRef(b.name, i)
                    angles.append(add(mul(ParamRef(w.name, i), x[f]), bias) if f < d else bias)
                ops += [GateOp(g, (q,), (ang,), s)
                        for g, ang in zip(("rz", "ry", "rz"), angles)]
        if l < layers - 1:
            ops += [GateOp("cz", p, (), s) for p in pairs]
    return ops


_EXPANDERS: dict[str, Callable[[_Args], list[GateOp]]] = {
    "angle_encoding": _angle_encoding,
    "zz_feature_map": _zz_feature_map,
    "iqp_encoding": _iqp_encoding,
    "amplitude_encoding": _amplitude_encoding,
    "hardware_efficient": _hardware_efficient,
    "strongly_entangling": _strongly_entangling,
    "reupload": _reupload,
}


def expand_template(name: str, args: list[tuple[object, Span]],
                    kwargs: dict[str, tuple[object, Span]], n_qubits: int,
                    span: Span) -> list[GateOp]:
    """The gates of template `name` called with resolved positional `args` and keyword `kwargs`
    (each value with the span where it was written) in a block of `n_qubits` qubits; every op
    gets `span`, the call's span. Raises a `QmlError` for any mistake in the call."""
    if name not in _EXPANDERS:
        raise UnknownName(f"unknown template `{name}`", span,
                          hint=did_you_mean(name, TEMPLATES))
    return _EXPANDERS[name](_bind(name, args, kwargs, n_qubits, span))
