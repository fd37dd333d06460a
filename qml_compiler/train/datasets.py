"""Built-in data sets: synthetic problems that need no download, and the small sets that
scikit-learn ships (when it is installed: `pip install 'qml-compiler[train]'`).

Every generator takes keyword arguments only and returns a `Dataset`; `seed` makes it
reproducible. `moons` and `circles` give exactly what scikit-learn's `make_moons` and
`make_circles` give for the same `n_samples`, `noise` and `random_state=seed` (the same NumPy
`RandomState` draws in the same order), without needing scikit-learn.

    >>> from qml_compiler.train.datasets import generate
    >>> ds = generate("circle", n_samples=200, seed=0)     # the re-uploading paper's circle
    >>> ds.X.shape, ds.classes
    ((200, 2), [0, 1])

The data re-uploading problems (`circle`, `sphere`, `hypersphere`, `crown`, `tricrown`,
`non_convex`, `wavy_lines`, `squares`, `three_circles`) follow Pérez-Salinas et al., Quantum 4,
226 (2020), as the authors' code defines them: inputs uniform in [-1, 1]^d.
"""

from __future__ import annotations

import math

import numpy as np

from ..diagnostics import ConfigError, did_you_mean
from .data import Dataset


def _check_n(n, name="n_samples") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"`{name}` must be a positive integer, got {n!r}")
    return int(n)


def _shuffle_like_sklearn(X, y, rs: np.random.RandomState):
    idx = np.arange(len(X))
    rs.shuffle(idx)
    return X[idx], y[idx]


def moons(n_samples: int = 100, noise: float | None = None, seed: int = 0, shuffle: bool = True) -> Dataset:
    """Two interleaving half circles (scikit-learn's `make_moons`, draw for draw)."""
    n = _check_n(n_samples)
    n_out, n_in = n // 2, n - n // 2
    rs = np.random.RandomState(seed)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)),
                   np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    if shuffle:
        X, y = _shuffle_like_sklearn(X, y, rs)
    if noise is not None:
        X = X + rs.normal(scale=noise, size=X.shape)
    return Dataset(X, y, ["x0", "x1"], "label", [0, 1], f"moons(n_samples={n})")


def circles(n_samples: int = 100, noise: float | None = None, factor: float = 0.8, seed: int = 0,
            shuffle: bool = True) -> Dataset:
    """A circle inside a larger one (scikit-learn's `make_circles`, draw for draw)."""
    n = _check_n(n_samples)
    if not 0 <= factor < 1:
        raise ConfigError(f"`factor` must be in [0, 1), got {factor}")
    n_out, n_in = n // 2, n - n // 2
    rs = np.random.RandomState(seed)
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack([np.append(np.cos(t_out), np.cos(t_in) * factor),
                   np.append(np.sin(t_out), np.sin(t_in) * factor)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    if shuffle:
        X, y = _shuffle_like_sklearn(X, y, rs)
    if noise is not None:
        X = X + rs.normal(scale=noise, size=X.shape)
    return Dataset(X, y, ["x0", "x1"], "label", [0, 1], f"circles(n_samples={n})")


# ---- the data re-uploading problems ------------------------------------------------------------

def _label_circle(X):
    return (np.sum(X ** 2, axis=1) < 2 / np.pi).astype(np.intp)


def _label_sphere(X):
    return (np.sum(X ** 2, axis=1) < (3 / np.pi) ** (2 / 3)).astype(np.intp)


def _label_crown(X):
    r2 = np.sum(X ** 2, axis=1)
    return ((r2 > 0.8 - 2 / np.pi) & (r2 < 0.8)).astype(np.intp)


def _label_tricrown(X):
    r2 = np.sum(X ** 2, axis=1)
    return np.where(r2 < 0.8 - 2 / np.pi, 0, np.where(r2 < 0.8, 1, 2)).astype(np.intp)


def _label_non_convex(X):
    return (X[:, 1] < -2 * X[:, 0] + 1.5 * np.sin(np.pi * X[:, 0])).astype(np.intp)


def _label_wavy_lines(X):
    s = np.sin(np.pi * X[:, 0])
    return (2 * (X[:, 1] < X[:, 0] + s) + (X[:, 1] < -X[:, 0] + s)).astype(np.intp)


def _label_squares(X):
    return (2 * (X[:, 0] > 0) + (X[:, 1] > 0)).astype(np.intp)


_THREE_CIRCLES = (((-1.0, 1.0), 1.0), ((1.0, 0.0), math.sqrt(6 / np.pi - 1)), ((-0.5, -0.5), 0.5))


def _label_three_circles(X):
    y = np.zeros(len(X), dtype=np.intp)
    for k, (centre, radius) in enumerate(_THREE_CIRCLES):
        inside = np.sum((X - np.asarray(centre)) ** 2, axis=1) < radius ** 2
        y[inside] = k + 1  # the last circle that contains x wins
    return y


REUPLOAD_PROBLEMS = {
    # name: (dimension, number of classes, labelling function)
    "circle": (2, 2, _label_circle),
    "sphere": (3, 2, _label_sphere),
    "hypersphere": (4, 2, _label_circle),
    "crown": (2, 2, _label_crown),
    "tricrown": (2, 3, _label_tricrown),
    "non_convex": (2, 2, _label_non_convex),
    "wavy_lines": (2, 4, _label_wavy_lines),
    "squares": (2, 4, _label_squares),
    "three_circles": (2, 4, _label_three_circles),
}


def _reupload(name):
    d, k, label = REUPLOAD_PROBLEMS[name]

    def generate(n_samples: int = 500, seed: int = 0) -> Dataset:
        n = _check_n(n_samples)
        X = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, d))
        return Dataset(X, label(X), [f"x{i}" for i in range(d)], "label", list(range(k)),
                       f"{name}(n_samples={n})")

    generate.__name__ = name
    generate.__doc__ = f"The data re-uploading problem `{name}`: {d} features in [-1, 1], {k} classes."
    return generate


def parity(n_bits: int = 4, n_samples: int | None = None, seed: int = 0) -> Dataset:
    """Bit strings (features 0/1) labelled by their parity: every string once (in binary order)
    unless `n_samples` asks for that many uniform random ones."""
    n_bits = _check_n(n_bits, "n_bits")
    if n_bits > 24:
        raise ConfigError(f"`n_bits` of at most 24 for parity, got {n_bits}")
    if n_samples is None:
        ints = np.arange(2 ** n_bits)
    else:
        ints = np.random.default_rng(seed).integers(0, 2 ** n_bits, size=_check_n(n_samples))
    X = ((ints[:, None] >> np.arange(n_bits - 1, -1, -1)) & 1).astype(float)
    y = (X.sum(axis=1) % 2).astype(np.intp)
    return Dataset(X, y, [f"b{i}" for i in range(n_bits)], "parity", [0, 1], f"parity(n_bits={n_bits})")


# ---- scikit-learn's small sets -----------------------------------------------------------------

def _sklearn(loader_name: str, what: str):
    def load(**options) -> Dataset:
        if options:
            raise ConfigError(f"`{what}()` takes no arguments of its own, got {', '.join(options)}",
                              hint="generic data options (classes, pca, labels, ...) go beside it")
        try:
            from sklearn import datasets as skd
        except ImportError:
            raise ConfigError(f"the `{what}` data set comes from scikit-learn, which is not installed",
                              hint="pip install 'qml-compiler[train]' (or scikit-learn)") from None
        bunch = getattr(skd, loader_name)()
        names = [str(n) for n in getattr(bunch, "feature_names", [])] or \
            [f"x{i}" for i in range(bunch.data.shape[1])]
        classes = [str(c) for c in bunch.target_names] if what != "digits" else list(range(10))
        return Dataset(np.asarray(bunch.data, dtype=float), np.asarray(bunch.target, dtype=np.intp),
                       names, "target", classes, f"{what}() from scikit-learn")

    load.__name__ = what
    load.__doc__ = f"scikit-learn's `{loader_name}()` (needs scikit-learn)."
    return load


GENERATORS = {
    "moons": moons,
    "circles": circles,
    **{name: _reupload(name) for name in REUPLOAD_PROBLEMS},
    "parity": parity,
    "iris": _sklearn("load_iris", "iris"),
    "digits": _sklearn("load_digits", "digits"),
    "breast_cancer": _sklearn("load_breast_cancer", "breast_cancer"),
}
ALIASES = {"three-circles": "three_circles", "3circles": "three_circles", "3_circles": "three_circles",
           "wavy-lines": "wavy_lines", "non-convex": "non_convex", "annulus": "crown",
           "breast-cancer": "breast_cancer"}


def generate(name: str, **options) -> Dataset:
    """The built-in data set `name` made with `options` (its generator's keyword arguments)."""
    key = ALIASES.get(name, name)
    if key not in GENERATORS:
        raise ConfigError(f"unknown data set `{name}`",
                          hint=did_you_mean(name, GENERATORS) or "built-in sets: " + ", ".join(GENERATORS))
    fn = GENERATORS[key]
    import inspect
    accepted = inspect.signature(fn).parameters
    if not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
        for k in options:
            if k not in accepted:
                raise ConfigError(f"data set `{key}` has no option `{k}`",
                                  hint=did_you_mean(k, accepted) or f"options: {', '.join(accepted)}")
    try:
        return fn(**options)
    except TypeError as e:  # a value of the wrong kind, e.g. n_samples="many"
        raise ConfigError(f"bad option for data set `{key}`: {e}") from None
