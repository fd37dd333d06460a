"""A trained model as a person uses it: raw features in, predictions and metrics out (the data
scaling, class names and output decoding that training fixed are applied for you).

    >>> p = load_trained("examples/moons.qml", "runs/moons/checkpoint.npz")
    >>> p.predict(X)                    # class labels as the data named them
    >>> p.evaluate(dataset)             # {"loss": ..., "accuracy": ...}, plus the confusion matrix
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import Dataset, Scaler
from .errors import DataError, at
from .metrics import classification_metrics, confusion, regression_metrics
from .task import Task

CHUNK = 2048


def check_width(cm, ds: Dataset) -> None:
    need = sum(cm.inputs.values())
    have = ds.X.shape[1]
    if have != need:
        names = ", ".join(ds.feature_names[:8]) + (", ..." if len(ds.feature_names) > 8 else "")
        ins = ", ".join(f"{k}[{w}]" for k, w in cm.inputs.items())
        raise DataError(f"the data has {have} feature column{'s' * (have != 1)} ({names}), but model "
                        f"`{cm.name}` takes {need} (input {ins})", at(ds.source),
                        hint="choose the feature columns with data.features=[...] (--features a,b), or use "
                             "pca=N to reduce them" if have > need else "the model needs more features")


def model_inputs(cm, X: np.ndarray) -> dict[str, np.ndarray]:
    """The model's inputs from a feature matrix: columns in the order of the inputs."""
    out, start = {}, 0
    for name, width in cm.inputs.items():
        out[name] = X[:, start:start + width]
        start += width
    return out


def forward_all(cm, X: np.ndarray, params: dict, output: str, shots: int | None = None, seed: int = 0) -> np.ndarray:
    """The output for every row, in chunks that bound the state vectors' memory."""
    outs = []
    for i, start in enumerate(range(0, len(X), CHUNK)):
        xs = model_inputs(cm, X[start:start + CHUNK])
        if shots is None:
            outs.append(cm.forward(xs, params)[output])
        else:
            outs.append(cm.forward(xs, params, shots=shots, seed=seed + i)[output])
    return np.concatenate(outs) if outs else np.zeros((0, cm.outputs[output]))


@dataclass
class Predictor:
    cm: object
    params: dict
    task: Task
    scaler: Scaler
    classes: list | None
    feature_names: list[str]
    label_name: str | None = None
    metric_names: list[str] = field(default_factory=list)
    shots: int | None = None

    def outputs(self, X: np.ndarray, scaled: bool = False, seed: int = 0) -> np.ndarray:
        Xs = X if scaled else self.scaler.transform(np.asarray(X, dtype=float))
        return forward_all(self.cm, Xs, self.params, self.task.output, self.shots, seed)

    def predict(self, X, scaled: bool = False):
        """Predicted labels (the data's own class labels), or values for a regression."""
        out = self.outputs(np.asarray(X, dtype=float), scaled)
        pred = self.task.decode(out)
        if self.task.kind == "classification":
            return np.asarray(self.classes, dtype=object)[pred] if self.classes is not None else pred
        return pred

    def evaluate(self, ds: Dataset, scaled: bool = False, seed: int = 0) -> dict:
        """Loss and metrics on a labelled data set; a classifier's also has `confusion` (rows: true
        class, columns: predicted)."""
        if ds.y is None:
            raise DataError("no labels to evaluate against", at(ds.source),
                            hint="name the label column with data.label (--label)")
        if not scaled:
            check_width(self.cm, ds)
        out = self.outputs(ds.X, scaled, seed)
        value = float(self.task.loss(out, self.task.targets(ds.y))[0])
        result = {"loss": value}
        pred = self.task.decode(out)
        if self.task.kind == "classification":
            names = [m for m in self.metric_names if m != "loss"] or ["accuracy"]
            result.update(classification_metrics(ds.y, pred, self.task.n_classes, names))
            result["confusion"] = confusion(ds.y, pred, self.task.n_classes).tolist()
        else:
            names = [m for m in self.metric_names if m != "loss"] or ["mse", "r2"]
            result.update(regression_metrics(ds.y, pred, names))
        result["n"] = len(ds)
        return result
