"""The example models train as their train sections say (briefly: few epochs), and the two
routes to iris, scikit-learn's copy and the CSV file, give the same weights bit for bit."""

from pathlib import Path

import numpy as np
import pytest

from qml_compiler.train import train
from qml_compiler.train.datasets import REUPLOAD_PROBLEMS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_iris_from_the_csv_file_without_scikit_learn():
    r = train(str(EXAMPLES / "iris_csv.qml"), epochs=3)
    assert r.predictor.classes == ["setosa", "versicolor", "virginica"]
    assert r.predictor.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert r.test["n"] == 45 and set(r.predict(np.array([[5.1, 3.5, 1.4, 0.2]]))) <= set(r.predictor.classes)


def test_iris_csv_and_scikit_learns_iris_train_to_the_same_weights():
    pytest.importorskip("sklearn")
    a = train(str(EXAMPLES / "iris.qml"), epochs=3)
    b = train(str(EXAMPLES / "iris_csv.qml"), epochs=3)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)


@pytest.mark.parametrize("name", ["tricrown", "hypersphere"])
def test_reupload_problems_train_and_test_on_their_own_test_sets(name):
    r = train(str(EXAMPLES / "reupload_problems.qml"), model_name=name, epochs=2)
    d, k, _ = REUPLOAD_PROBLEMS[name]
    assert r.test["n"] == 4000 and np.array(r.test["confusion"]).shape == (k, k)
    assert len(r.history) == 2 and r.predictor.cm.inputs == {"x": d}


def test_reference_models_digits_with_pca_minmax_and_label_values():
    pytest.importorskip("sklearn")
    r = train(str(EXAMPLES / "reference.qml"), model_name="r2_8q", epochs=1)
    task = r.predictor.task
    assert task.loss_name == "mse" and task.label_values == [-1.0, 1.0]
    assert r.predictor.scaler.kind == "minmax" and r.predictor.scaler.range == (-np.pi, np.pi)
    assert r.config["data"]["pca"] == 8 and r.history[0]["accuracy"] > 0.5
