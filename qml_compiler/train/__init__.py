"""Training, evaluation and prediction: from a `.qml` model and data to a trained model, its
metrics and its predictions.

    >>> from qml_compiler.train import train, evaluate, predict
    >>> result = train("examples/moons.qml", out="runs/moons")   # the file's train section
    >>> result.test                                              # held-out metrics
    {'loss': 0.11, 'accuracy': 0.973, 'confusion': [[73, 2], [2, 73]], 'n': 150}
    >>> predict("examples/moons.qml", "runs/moons/checkpoint.npz", [[0.5, -0.2]])["prediction"]

The pieces, one idea per module:

- `config`: the model's `train` section plus overrides, resolved into one checked dict.
- `data`, `datasets`: CSV / NPZ / array loading with errors that name file, line and column;
  built-in sets (moons, circles, the data re-uploading problems, parity; iris, digits and
  breast_cancer through scikit-learn); stratified seeded splits; scaling fitted on the training
  split (standard, or minmax into an angle range).
- `task`, `losses`: what the output is compared with and how it becomes a prediction (MSE,
  cross-entropy on probabilities or with a softmax, binary cross-entropy, hinge, fidelity).
- `optim`: SGD with momentum, Adam, SPSA; learning-rate schedules; gradient clipping.
- `loop`: the training loop (reproducible bit for bit), early stopping, metrics per epoch.
- `checkpoint`: atomic, checksummed checkpoints that a killed run resumes from exactly.
- `predictor`, `metrics`, `progress`, `plot`: using a trained model, scores, the progress bar
  and logs, the curves as a PNG.
- `commands`: `qmlc train`, `qmlc evaluate`, `qmlc predict`.

`docs/training.md` is the guide.
"""

__all__ = ["Dataset", "TrainResult", "evaluate", "load_data", "load_trained", "predict", "train"]


def __getattr__(name):
    if name in ("train", "evaluate", "predict", "load_trained"):
        from . import api
        return getattr(api, name)
    if name in ("load_data", "Dataset"):
        from . import data
        return getattr(data, name)
    if name == "TrainResult":
        from .loop import TrainResult
        return TrainResult
    raise AttributeError(f"module 'qml_compiler.train' has no attribute {name!r}")
