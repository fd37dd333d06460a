"""Built-in data sets against their definitions: scikit-learn's generators draw for draw, the
data re-uploading problems point by point as ../shared/anchors/reupload.md defines them."""

import math

import numpy as np
import pytest

from qml_compiler.diagnostics import ConfigError
from qml_compiler.train.datasets import REUPLOAD_PROBLEMS, generate


@pytest.mark.parametrize("n,noise,seed", [(500, 0.1, 0), (7, None, 3), (256, 0.2, 11)])
def test_moons_and_circles_are_scikit_learns(n, noise, seed):
    skd = pytest.importorskip("sklearn.datasets")
    X, y = skd.make_moons(n_samples=n, noise=noise, random_state=seed)
    ds = generate("moons", n_samples=n, noise=noise, seed=seed)
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)
    X, y = skd.make_circles(n_samples=n, noise=noise, random_state=seed, factor=0.5)
    ds = generate("circles", n_samples=n, noise=noise, seed=seed, factor=0.5)
    assert np.array_equal(ds.X, X) and np.array_equal(ds.y, y)


def test_moons_without_scikit_learn_has_its_shape():
    ds = generate("moons", n_samples=9, seed=0)  # noiseless: points on the two half circles
    outer = ds.X[ds.y == 0]
    inner = ds.X[ds.y == 1]
    assert len(outer) == 4 and len(inner) == 5
    assert np.allclose(np.hypot(*outer.T), 1.0)
    assert np.allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)


def _reference_label(name, x):
    """The definitions of the table in reupload.md, written point by point."""
    r2 = sum(v * v for v in x)
    if name in ("circle", "hypersphere"):
        return int(r2 < 2 / math.pi)
    if name == "sphere":
        return int(r2 < (3 / math.pi) ** (2 / 3))
    if name == "crown":
        return int(0.8 - 2 / math.pi < r2 < 0.8)
    if name == "tricrown":
        return 0 if r2 < 0.8 - 2 / math.pi else (1 if r2 < 0.8 else 2)
    if name == "non_convex":
        return int(x[1] < -2 * x[0] + 1.5 * math.sin(math.pi * x[0]))
    if name == "wavy_lines":
        s = math.sin(math.pi * x[0])
        return 2 * int(x[1] < x[0] + s) + int(x[1] < -x[0] + s)
    if name == "squares":
        return 2 * int(x[0] > 0) + int(x[1] > 0)
    if name == "three_circles":
        label = 0
        for k, ((cx, cy), r) in enumerate((((-1, 1), 1), ((1, 0), math.sqrt(6 / math.pi - 1)), ((-0.5, -0.5), 0.5))):
            if (x[0] - cx) ** 2 + (x[1] - cy) ** 2 < r * r:
                label = k + 1
        return label
    raise AssertionError(name)


@pytest.mark.parametrize("name", sorted(REUPLOAD_PROBLEMS))
def test_reupload_problems_follow_their_definitions(name):
    d, k, _ = REUPLOAD_PROBLEMS[name]
    ds = generate(name, n_samples=2000, seed=5)
    assert ds.X.shape == (2000, d) and ds.X.min() >= -1 and ds.X.max() <= 1
    assert [_reference_label(name, x) for x in ds.X] == ds.y.tolist()
    assert ds.classes == list(range(k)) and set(ds.y.tolist()) == set(range(k))
    again = generate(name, n_samples=2000, seed=5)
    assert np.array_equal(again.X, ds.X)
    assert not np.array_equal(generate(name, n_samples=2000, seed=6).X, ds.X)


def test_parity_lists_every_bit_string_once():
    ds = generate("parity", n_bits=3)
    assert ds.X.tolist()[:3] == [[0, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert len({tuple(r) for r in ds.X.tolist()}) == 8
    assert ds.y.tolist() == [i.bit_count() % 2 for i in range(8)]
    assert generate("parity", n_bits=5, n_samples=40, seed=1).X.shape == (40, 5)


def test_scikit_learn_sets():
    skd = pytest.importorskip("sklearn.datasets")
    iris = generate("iris")
    assert iris.X.shape == (150, 4) and iris.classes == ["setosa", "versicolor", "virginica"]
    assert np.array_equal(iris.X, skd.load_iris().data)
    assert generate("digits").X.shape == (1797, 64)
    assert generate("breast_cancer").classes == ["malignant", "benign"]


def test_unknown_sets_and_options_are_named():
    with pytest.raises(ConfigError, match="unknown data set `mons`") as e:
        generate("mons")
    assert "moons" in e.value.hint
    with pytest.raises(ConfigError, match="no option `nois`") as e:
        generate("moons", nois=0.1)
    assert "noise" in e.value.hint
    with pytest.raises(ConfigError, match="positive integer"):
        generate("circle", n_samples=0)
