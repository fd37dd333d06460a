"""What a model is trained to do on a data set: the loss, the targets it compares the output
with, and how an output becomes a prediction.

    >>> task = Task.create(cm, "y", dataset, loss=None)   # default loss from the output
    >>> task.loss_name, task.kind
    ('cross_entropy', 'classification')
    >>> task.decode(cm.forward(X, params)["y"])           # class indices

The default loss follows the model's output: probabilities (a softmax or a `probs` readout) get
`cross_entropy`; raw outputs as wide as the classes `softmax_cross_entropy`; one sigmoid output
`bce`; one other output (an expectation) `mse` against -1/+1; a regression `mse`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..diagnostics import ConfigError
from ..frontend.model import Probs, Samples
from ..ir.nodes import Activation, Output, QuantumBlock
from ..runtime import losses as runtime_losses
from . import losses as L
from .data import Dataset


def output_kind(cm, output: str) -> str:
    """"probs" (rows are probabilities), "sigmoid", or "raw"."""
    node = next(n for n in cm.order if isinstance(cm.ops[n], Output) and cm.ops[n].name == output)
    src = cm.ops[cm.args[node][0]]
    if isinstance(src, Activation) and src.function == "softmax":
        return "probs"
    if isinstance(src, Activation) and src.function == "sigmoid":
        return "sigmoid"
    if isinstance(src, QuantumBlock) and len(src.readouts) == 1 and isinstance(src.readouts[0], (Probs, Samples)):
        return "probs"
    return "raw"


def pick_output(cm, output: str | None) -> str:
    if output is None:
        if len(cm.outputs) != 1:
            raise ConfigError(f"model `{cm.name}` has outputs {', '.join(cm.outputs)}: say which one to train "
                              "(--output NAME)")
        return next(iter(cm.outputs))
    if output not in cm.outputs:
        raise ConfigError(f"model `{cm.name}` has no output `{output}`", hint=f"outputs: {', '.join(cm.outputs)}")
    return output


@dataclass
class Task:
    kind: str  # classification | regression
    loss_name: str
    output: str
    width: int
    n_classes: int | None
    label_values: list | None = None  # MSE / hinge targets per class for a one-wide output
    bloch: bool = False

    # ---- construction --------------------------------------------------------------------------

    @staticmethod
    def create(cm, output: str | None, ds: Dataset, loss: dict | None) -> Task:
        output = pick_output(cm, output)
        width = cm.outputs[output]
        kind = output_kind(cm, output)
        name = loss["name"] if loss else None
        bloch = bool(loss and loss.get("bloch"))
        where = f"output `{output}` of model `{cm.name}`"
        if not ds.is_classification:
            if name not in (None, "mse"):
                raise ConfigError(f"loss `{name}` is for classifiers, but the data's labels are real numbers "
                                  "(a regression)", hint="use loss = mse, or data.task = classification")
            if width != 1:
                raise ConfigError(f"the data has one real-valued label per sample, but {where} has width {width}",
                                  hint="a regression needs a one-wide output")
            return Task("regression", "mse", output, width, None)
        k = len(ds.classes)
        if name is None:
            if kind == "probs" and width >= k:
                name = "cross_entropy"
            elif width == 1 and k == 2:
                name = "bce" if kind == "sigmoid" else "mse"
            elif width >= k:
                name = "softmax_cross_entropy"
            else:
                raise ConfigError(f"the data has {k} classes, but {where} has width {width}",
                                  hint=f"give the model an output of width {k}")
        values = ds.label_values
        if name in ("cross_entropy", "softmax_cross_entropy") or (name == "fidelity" and not bloch):
            if width < k:
                raise ConfigError(f"the data has {k} classes ({', '.join(map(str, ds.classes))}), but {where} has "
                                  f"width {width}", hint=f"loss `{name}` needs one output per class")
            if name != "softmax_cross_entropy" and kind != "probs":
                raise ConfigError(f"loss `{name}` needs probabilities, but {where} is not a softmax or a probs "
                                  "readout", hint="use cross_entropy(logits=true) (softmax_cross_entropy), or end "
                                                  "the model with softmax(...)")
        elif name == "fidelity":
            if width != 3:
                raise ConfigError(f"fidelity(bloch=true) needs the Bloch vector (<X>, <Y>, <Z>) of one qubit, "
                                  f"but {where} has width {width}",
                                  hint="readout expval(X0), expval(Y0), expval(Z0);")
        elif name == "bce":
            if not ((width == 1 and k == 2) or width == k):
                raise ConfigError(f"binary cross-entropy needs one output for two classes or one per class; "
                                  f"the data has {k} classes and {where} has width {width}")
            if kind == "raw":
                raise ConfigError(f"binary cross-entropy needs outputs in (0, 1), but {where} is not a sigmoid, "
                                  "softmax or probs readout", hint="end the model with sigmoid(...), or use mse")
        elif name == "hinge":
            if width == 1:
                if k != 2:
                    raise ConfigError(f"a one-wide hinge loss separates two classes; the data has {k}")
                values = values or [-1.0, 1.0]
                if sorted(values) != [-1.0, 1.0]:
                    raise ConfigError(f"the hinge loss needs labels -1 and +1, got {values}")
            elif width < k:
                raise ConfigError(f"the data has {k} classes, but {where} has width {width}")
        elif name == "mse":
            if width == 1:
                if values is None:
                    values = [0.0, 1.0] if (k == 2 and kind != "raw") else \
                        ([-1.0, 1.0] if k == 2 else [float(i) for i in range(k)])
            elif width < k:
                raise ConfigError(f"the data has {k} classes, but {where} has width {width}",
                                  hint="mse compares one-hot rows; give the output one column per class")
        if values is not None and width != 1:
            raise ConfigError(f"`labels` gives one target value per class for a one-wide output, but {where} "
                              f"has width {width}")
        return Task("classification", name, output, width, k, values, bloch)

    def to_json(self) -> dict:
        return {"kind": self.kind, "loss": self.loss_name, "output": self.output, "width": self.width,
                "n_classes": self.n_classes, "label_values": self.label_values, "bloch": self.bloch}

    @staticmethod
    def from_json(d: dict) -> Task:
        return Task(d["kind"], d["loss"], d["output"], d["width"], d["n_classes"], d["label_values"], d["bloch"])

    # ---- training ------------------------------------------------------------------------------

    def targets(self, y: np.ndarray) -> np.ndarray:
        """What the loss compares the output with, for labels y (class indices or reals)."""
        if self.kind == "regression":
            return np.asarray(y, dtype=float).reshape(-1, 1)
        y = np.asarray(y, dtype=np.intp)
        if self.label_values is not None:
            return np.asarray(self.label_values)[y].reshape(-1, 1)
        if self.loss_name in ("mse", "bce") and self.width > 1:
            t = np.zeros((len(y), self.width))
            t[np.arange(len(y)), y] = 1.0
            return t
        if self.loss_name == "bce":
            return y.astype(float).reshape(-1, 1)
        return y

    @property
    def loss(self):
        n = self.loss_name
        if n == "mse":
            return runtime_losses.mse
        if n == "bce":
            return runtime_losses.bce
        if n == "cross_entropy":
            return L.cross_entropy
        if n == "softmax_cross_entropy":
            return L.softmax_cross_entropy
        if n == "hinge":
            return L.hinge
        if n == "fidelity":
            return L.fidelity_bloch(L.class_states(self.n_classes)) if self.bloch else L.fidelity_probs
        raise ConfigError(f"unknown loss `{n}`")

    # ---- predictions ---------------------------------------------------------------------------

    def scores(self, out: np.ndarray) -> np.ndarray:
        """Per-class scores (probabilities where the loss makes them), (n, k); for a regression the
        output itself."""
        if self.kind == "regression":
            return out
        k = self.n_classes
        if self.bloch:
            return 0.5 * (1.0 + out @ L.class_states(k).T)  # fidelity with each class state
        if self.width == 1:
            v = out[:, 0]
            if self.loss_name == "bce":
                return np.stack([1.0 - v, v], axis=1)
            values = np.asarray(self.label_values)
            return -np.abs(v[:, None] - values[None, :])  # the nearest label value wins
        if self.loss_name == "softmax_cross_entropy":
            return L.softmax(out[:, :k])
        return out[:, :k]

    def decode(self, out: np.ndarray) -> np.ndarray:
        """Class indices (classification) or the predicted values (regression)."""
        if self.kind == "regression":
            return out[:, 0]
        if self.width == 1 and self.loss_name == "hinge":
            return (out[:, 0] > 0).astype(np.intp) if self.label_values[1] > 0 else (out[:, 0] < 0).astype(np.intp)
        return np.argmax(self.scores(out), axis=1).astype(np.intp)

    @property
    def scores_are_probabilities(self) -> bool:
        return self.kind == "classification" and (self.loss_name in ("cross_entropy", "softmax_cross_entropy", "bce")
                                                   or (self.loss_name == "fidelity" and not self.bloch))
