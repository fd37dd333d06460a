"""Metrics against scikit-learn's (where installed) and hand-computed values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qml_compiler.train.metrics import classification_metrics, confusion, format_confusion, regression_metrics


def test_hand_computed():
    y, p = [0, 0, 1, 1, 2], [0, 1, 1, 1, 0]
    m = confusion(y, p, 3)
    assert m.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    r = classification_metrics(y, p, 3, ["accuracy", "precision", "recall", "f1"])
    assert r["accuracy"] == pytest.approx(0.6)
    assert r["recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert r["precision"] == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    reg = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], ["mse", "mae", "r2"])
    assert reg == pytest.approx({"mse": 1 / 3, "mae": 1 / 3, "r2": 0.5})
    text = format_confusion(m, ["cat", "dog", "eel"])
    assert text.splitlines()[1].split() == ["cat", "1", "1", "0"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=60))
def test_against_scikit_learn(pairs):
    skm = pytest.importorskip("sklearn.metrics")
    y, p = map(np.array, zip(*pairs))
    assert np.array_equal(confusion(y, p, 4), skm.confusion_matrix(y, p, labels=range(4)))
    r = classification_metrics(y, p, 4, ["accuracy", "f1", "recall"])
    present = np.unique(y)
    assert r["accuracy"] == pytest.approx(skm.accuracy_score(y, p))
    assert r["recall"] == pytest.approx(skm.recall_score(y, p, labels=present, average="macro", zero_division=0))
    assert r["f1"] == pytest.approx(skm.f1_score(y, p, labels=present, average="macro", zero_division=0))


def test_r2_against_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=50), rng.normal(size=50)
    assert regression_metrics(y, p, ["r2"])["r2"] == pytest.approx(skm.r2_score(y, p))
