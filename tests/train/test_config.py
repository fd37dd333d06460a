"""The train section plus overrides -> one checked configuration."""

import math

import pytest

from qml_compiler.diagnostics import ConfigError
from qml_compiler.train.config import parse_assignment, parse_value, resolve


@pytest.mark.parametrize("text,value", [
    ("10", 10), ("1e-3", 1e-3), ("-2", -2), ("pi / 2", math.pi / 2), ("standard", "standard"),
    ('"my file.csv"', "my file.csv"), ("true", True), ("[0, pi]", [0, math.pi]), ("(1, 2)", [1, 2]),
    ("adam(lr=0.05, betas=[0.9, 0.99])", {"name": "adam", "lr": 0.05, "betas": [0.9, 0.99]}),
    ("steps(20)", {"name": "steps", "args": [20]}), ("data/iris.csv", "data/iris.csv"),
    ("examples/data/x.csv", "examples/data/x.csv"), ("heavy-hex-27", "heavy-hex-27"), ("sqrt(4)", 2.0),
])
def test_values_are_written_as_in_a_train_section(text, value):
    assert parse_value(text) == value


def test_defaults_and_the_files_settings():
    cfg = resolve({})
    assert cfg["optimizer"] == {"name": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0}
    assert (cfg["epochs"], cfg["batch_size"], cfg["seed"], cfg["loss"], cfg["data"]) == (30, 32, 0, None, None)
    assert cfg["checkpoint_every"] == {"epochs": 1} and cfg["scale"] == {"kind": "none", "range": [0.0, 1.0]}
    raw = {"data": {"name": "moons", "n_samples": 256}, "data.noise": 0.2, "optimizer": {"name": "sgd", "lr": 0.1},
           "optimizer.momentum": 0.9, "lr": 0.3, "early_stopping": 5, "early_stopping.min_delta": 0.01,
           "schedule": {"name": "cosine"}, "scale": {"name": "minmax", "range": [-math.pi, math.pi]}}
    cfg = resolve(raw)
    assert cfg["data"] == {"name": "moons", "n_samples": 256, "noise": 0.2}
    assert cfg["optimizer"]["lr"] == 0.3 and cfg["optimizer"]["momentum"] == 0.9
    assert cfg["early_stopping"] == {"patience": 5, "min_delta": 0.01, "monitor": "auto", "restore": True}
    assert cfg["schedule"]["t_max"] == 30
    assert cfg["scale"] == {"kind": "minmax", "range": [-math.pi, math.pi]}


def test_overrides_replace_values_and_groups():
    raw = {"optimizer": {"name": "sgd", "lr": 0.1}, "optimizer.momentum": 0.9, "epochs": 30}
    cfg = resolve(raw, {"epochs": 3, "optimizer.lr": 0.5})
    assert cfg["epochs"] == 3 and cfg["optimizer"]["lr"] == 0.5 and cfg["optimizer"]["momentum"] == 0.9
    cfg = resolve(raw, {"optimizer": parse_value("adam")})  # the file's sgd sub-keys do not apply to adam
    assert cfg["optimizer"]["name"] == "adam" and "momentum" not in cfg["optimizer"]
    assert parse_assignment("train.data.label=species") == ("data.label", "species")


def test_reference_models_scaling_inside_the_data_call():
    cfg = resolve({"data": {"name": "digits", "pca": 8, "scale": "minmax", "range": [-1, 1]}})
    assert cfg["scale"] == {"kind": "minmax", "range": [-1.0, 1.0]} and "scale" not in cfg["data"]


def test_shots_mean_parameter_shift_and_spsa_makes_its_own_gradient():
    assert resolve({"shots": 100})["gradient"] == "parameter_shift"
    assert resolve({"optimizer": {"name": "spsa"}})["gradient"] == "spsa"
    with pytest.raises(ConfigError, match="needs exact readouts"):
        resolve({"shots": 100, "gradient": "adjoint"})


@pytest.mark.parametrize("raw,message,hint", [
    ({"epochs": 0}, "`epochs` must be a positive integer", None),
    ({"optimizer": {"name": "adamw"}}, "unknown optimizer `adamw`", "did you mean `adam`?"),
    ({"optimizer": {"name": "adam", "momentum": 0.9}}, "`adam` has no setting `momentum`", None),
    ({"loss": "crossentropy"}, "unknown loss `crossentropy`", "did you mean `cross_entropy`?"),
    ({"gradient": "ajoint"}, "unknown method `ajoint`", "did you mean `adjoint`?"),
    ({"validation_split": 0.6, "test_split": 0.5}, "sum below 1", None),
    ({"metrics": ["acuracy"]}, "unknown metric `acuracy`", "did you mean `accuracy`?"),
    ({"schedule": {"name": "cosine", "tmax": 3}}, "`cosine` has no setting `tmax`", "did you mean `t_max`?"),
    ({"checkpoint_every": "often"}, "checkpoint_every", None),
    ({"lr": -1}, "`lr` must be positive", None),
])
def test_bad_settings_are_named(raw, message, hint):
    with pytest.raises(ConfigError) as e:
        resolve(raw)
    assert message in e.value.message
    if hint:
        assert e.value.hint == hint


def test_unknown_override_keys():
    with pytest.raises(ConfigError, match="unknown train setting `epoch`") as e:
        resolve({}, {"epoch": 3})
    assert e.value.hint == "did you mean `epochs`?"
    with pytest.raises(ConfigError, match="unknown train setting `seed.x`"):
        parse_assignment("train.seed.x=1")
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_assignment("train.epochs")


def test_shots_or_spsa_on_top_of_a_files_exact_gradient():
    raw = {"gradient": "adjoint"}
    assert resolve(raw, {"shots": 100})["gradient"] == "parameter_shift"
    assert resolve(raw, {"optimizer": {"name": "spsa"}})["gradient"] == "spsa"
    with pytest.raises(ConfigError, match="needs exact readouts"):
        resolve(raw, {"shots": 100, "gradient": "adjoint"})
    assert resolve(raw, {"optimizer": {"name": "spsa"}, "shots": 10})["gradient"] == "spsa"
