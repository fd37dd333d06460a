"""Data files and arrays: what loads, and that every problem names the file, the line and the
column."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qml_compiler.diagnostics import ConfigError
from qml_compiler.train.data import Scaler, from_arrays, load_data, pca, split_indices
from qml_compiler.train.errors import DataError


def write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_csv_with_string_labels_and_chosen_columns(tmp_path):
    p = write(tmp_path, "a,b,species,c\n1,2,cat,3\n4,5,dog,6\n7,8,cat,9\n")
    ds = load_data(p)
    assert ds.label_name == "species" and ds.feature_names == ["a", "b", "c"]
    assert ds.classes == ["cat", "dog"] and ds.y.tolist() == [0, 1, 0]
    assert ds.X.tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    ds = load_data({"name": "csv", "path": p, "label": "species", "features": ["c", "a"]})
    assert ds.X.tolist() == [[3, 1], [6, 4], [9, 7]]
    ds = load_data({"name": "csv", "path": p, "label": "c", "features": [0, 1]})
    assert ds.classes == [3, 6, 9] and ds.X.shape == (3, 2)


def test_csv_labels_numbers_and_regression(tmp_path):
    ds = load_data(write(tmp_path, "x,y\n0.5,1\n0.1,-1\n0.2,1\n"))
    assert ds.classes == [-1, 1] and ds.y.tolist() == [1, 0, 1]
    ds = load_data(write(tmp_path, "x,target\n0.5,1.5\n0.1,-1\n", "r.csv"))
    assert ds.classes is None and ds.y.tolist() == [1.5, -1.0]
    ds = load_data({"name": "csv", "path": write(tmp_path, "x,y\n1,2\n3,4\n", "q.csv"), "task": "regression"})
    assert ds.classes is None


def test_csv_without_header_takes_the_last_column_as_label(tmp_path):
    ds = load_data({"name": "csv", "path": write(tmp_path, "1,2,a\n3,4,b\n"), "header": False})
    assert ds.X.tolist() == [[1, 2], [3, 4]] and ds.classes == ["a", "b"]


@pytest.mark.parametrize("text,options,message", [
    ("", {}, "the file is empty"),
    ("a,b,label\n", {}, "no data rows"),
    ("a,b,label\n1,2,x\n3,oops,y\n", {}, "line 3, column `b`: `oops` is not a number"),
    ("a,b,label\n1,2,x\n3,nan,y\n", {}, "line 3, column `b`: the value is nan"),
    ("a,b,label\n1,,x\n", {}, "line 2, column `b`: the cell is empty"),
    ("a,b,label\n1,2,x\n1,2\n", {}, "line 3: 2 cells, but the header has 3 columns"),
    ("a,b,label\n1,2,x\n", {"label": "lable"}, "no column `lable`"),
    ("a,b,label\n1,2,x\n", {"features": ["a", "z"]}, "no column `z`"),
    ("a,b,label\n1,2,\n", {}, "line 2: the label is empty"),
    ("a,a,label\n1,2,x\n", {}, "column `a` appears twice"),
])
def test_csv_problems_name_file_line_and_column(tmp_path, text, options, message):
    p = write(tmp_path, text)
    with pytest.raises(DataError) as e:
        load_data({"name": "csv", "path": p, **options})
    assert message in e.value.message and p in e.value.render()
    if options.get("label") == "lable":
        assert e.value.hint == "did you mean `label`?"


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such data file"):
        load_data(str(tmp_path / "nope.csv"))
    with pytest.raises(DataError, match="is a directory"):
        load_data({"name": "csv", "path": str(tmp_path)})
    with pytest.raises(ConfigError, match="neither a file"):
        load_data("data.xlsx")


def test_npz(tmp_path):
    p = str(tmp_path / "d.npz")
    np.savez(p, X=np.arange(6.0).reshape(3, 2), y=np.array([1, 0, 1]))
    ds = load_data(p)
    assert ds.X.shape == (3, 2) and ds.y.tolist() == [1, 0, 1] and ds.classes == [0, 1]
    np.savez(p, feats=np.array([[1.0, np.inf]]), lab=np.array([1]))
    with pytest.raises(DataError, match="array `feats`, row 0, column 1: the value is inf"):
        load_data({"name": "npz", "path": p, "features": "feats", "label": "lab"})
    with pytest.raises(DataError, match="no feature array"):
        load_data(p)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable .npz"):
        load_data(str(bad))


def test_arrays_are_checked_like_files():
    with pytest.raises(DataError, match="row 1, column 0: the value is nan"):
        from_arrays([[1.0], [np.nan]], [0, 1])
    with pytest.raises(DataError, match="one label per sample"):
        from_arrays([[1.0], [2.0]], [0, 1, 1])
    ds = from_arrays(np.zeros((3, 2)), ["b", "a", "b"])
    assert ds.classes == ["a", "b"] and ds.y.tolist() == [1, 0, 1]


def test_classes_pca_and_labels_options():
    ds = load_data({"name": "tricrown", "n_samples": 300, "classes": [2, 0], "labels": [-1, 1]})
    assert ds.classes == [2, 0] and set(ds.y.tolist()) == {0, 1} and ds.label_values == [-1.0, 1.0]
    with pytest.raises(ConfigError, match="one number per class"):
        load_data({"name": "circle", "labels": [1]})


def test_pca_matches_scikit_learn():
    decomposition = pytest.importorskip("sklearn.decomposition")
    X = np.random.default_rng(0).normal(size=(60, 6)) @ np.random.default_rng(1).normal(size=(6, 6))
    assert np.allclose(pca(X, 3), decomposition.PCA(3).fit_transform(X), atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=10, max_size=200), st.floats(0, 0.45), st.floats(0, 0.45),
       st.integers(0, 2 ** 16))
def test_splits_partition_the_data_and_keep_class_proportions(labels, val, test, seed):
    y = np.array(labels)
    n = len(y)
    tr, va, te = split_indices(y, n, val, test, seed)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(n))
    assert len(te) == round(test * n) and len(va) == round(val * n)
    for c in np.unique(y):
        share = np.mean(y == c)
        # stratified: each class's count in the test part is its share of the test size, rounded
        assert abs(np.sum(y[te] == c) - share * len(te)) < 1 + 1e-9
    again = split_indices(y, n, val, test, seed)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))


def test_split_errors():
    with pytest.raises(ConfigError, match="leaves nothing"):
        split_indices(np.zeros(10, int), 10, 0.5, 0.5, 0)
    with pytest.raises(ConfigError, match="fraction"):
        split_indices(np.zeros(10, int), 10, -0.1, 0, 0)


def test_scalers_fit_on_one_set_and_apply_to_another():
    rng = np.random.default_rng(0)
    X = rng.normal(3, 2, size=(100, 3))
    s = Scaler.create("standard").fit(X)
    Z = s.transform(X)
    assert np.allclose(Z.mean(axis=0), 0) and np.allclose(Z.std(axis=0), 1)
    m = Scaler.create("minmax", [-np.pi, np.pi]).fit(X)
    W = m.transform(X)
    assert np.allclose(W.min(axis=0), -np.pi) and np.allclose(W.max(axis=0), np.pi)
    again = Scaler.from_json(m.to_json())
    assert np.array_equal(again.transform(X[:5] + 1), m.transform(X[:5] + 1))
    with pytest.raises(ConfigError, match="low < high"):
        Scaler.create("minmax", [1, 0])
    with pytest.raises(ConfigError, match="unknown scaling") as e:
        Scaler.create("standart")
    assert "standard" in e.value.hint
