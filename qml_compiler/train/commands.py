"""`qmlc train`, `qmlc evaluate` and `qmlc predict`.

    qmlc train examples/moons.qml --plot                 # the file's train section; runs/moons/
    qmlc train examples/moons.qml --epochs 5 --lr 0.1 --set train.optimizer.weight_decay=0.001
    qmlc train examples/moons.qml --resume               # continue runs/moons/checkpoint.npz
    qmlc evaluate examples/moons.qml                     # the run's held-out test split
    qmlc evaluate examples/moons.qml --checkpoint C --data test.csv
    qmlc predict examples/moons.qml --data new.csv -o predictions.csv

Every setting of a `train` section has an option (`--epochs`, `--optimizer 'sgd(lr=0.1)'`, ...)
and `--set train.KEY=VALUE` sets any key or sub-key, with values written as in the file. Imports
stay inside the command functions so that `qmlc check` starts fast.
"""

from __future__ import annotations

import os
import sys

# option name -> train key; every key of a train section has one
FLAGS = (("data", "data"), ("loss", "loss"), ("optimizer", "optimizer"), ("lr", "lr"), ("epochs", "epochs"),
         ("batch-size", "batch_size"), ("seed", "seed"), ("gradient", "gradient"), ("shots", "shots"),
         ("validation-split", "validation_split"), ("test-split", "test_split"), ("scale", "scale"),
         ("metrics", "metrics"), ("early-stopping", "early_stopping"), ("schedule", "schedule"),
         ("clip", "clip"), ("checkpoint-every", "checkpoint_every"), ("target", "target"))
HELP = {
    "data": "a data file (.csv, .npz) or a built-in set: moons, 'circle(n_samples=200)', iris, ...",
    "loss": "mse, cross_entropy, softmax_cross_entropy, bce, hinge or fidelity",
    "optimizer": "adam, sgd or spsa, with settings: 'sgd(lr=0.1, momentum=0.9)'",
    "scale": "standard, minmax, 'minmax(range=[-pi, pi])' or none",
    "metrics": "e.g. '[accuracy, f1]'", "early-stopping": "patience in epochs",
    "schedule": "'cosine(t_max=30)', 'step(step_size=10, gamma=0.5)', 'exponential(gamma=0.95)'",
    "checkpoint-every": "epochs between checkpoints, or 'steps(N)'",
    "target": "train on the circuits compiled for this hardware target",
    "gradient": "adjoint, parameter_shift, spsa or finite_diff",
}


def add_commands(sub, pipeline_options) -> None:
    """Register this stage's subcommands on the `qmlc` parser."""
    c = sub.add_parser("train", help="train a model on its data (the file's train section, overridable)",
                       description="Train a model. Settings come from the file's train section; every one has "
                                   "an option here, and --set train.KEY=VALUE sets any key or sub-key.")
    pipeline_options(c)
    g = c.add_argument_group("settings (override the file's train section)")
    for flag, key in FLAGS:
        g.add_argument(f"--{flag}", dest=f"set_{key}", metavar="VALUE", help=HELP.get(flag))
    g.add_argument("--label", metavar="COLUMN", help="the label column of a CSV file (data.label)")
    g.add_argument("--features", metavar="A,B,...", help="the feature columns of a CSV file (data.features)")
    g.add_argument("--checkpoint-steps", type=int, metavar="N", help="checkpoint every N steps as well as at the end")
    g.add_argument("--set", dest="assignments", action="append", default=[], metavar="train.KEY=VALUE",
                   help="set any train setting or sub-key, e.g. --set train.optimizer.weight_decay=1e-4 (repeatable)")
    c.add_argument("--out", metavar="DIR", help="folder for the checkpoint, metrics and plot (default runs/MODEL)")
    c.add_argument("--resume", nargs="?", const=True, default=False, metavar="CHECKPOINT",
                   help="continue the run in --out (or this checkpoint) exactly where it stopped")
    c.add_argument("--plot", nargs="?", const=True, default=None, metavar="PNG",
                   help="write the training curves as a PNG (default DIR/curves.png; needs matplotlib)")
    c.add_argument("--output", metavar="NAME", help="the model output to train (when it has several)")
    c.add_argument("--engine", choices=("numba", "numpy"), default="numba")
    c.add_argument("--noise", metavar="SPEC",
                   help="train under noise (a target's rates, or depol1=..,depol2=..,readout=..); "
                        "the gradient becomes SPSA")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bar or epoch lines (also under CI=true)")
    c.set_defaults(func=cmd_train)

    for name, helptext in (("evaluate", "metrics of a trained model (and its confusion matrix) on held-out data"),
                           ("predict", "predictions of a trained model for a data file")):
        c = sub.add_parser(name, help=helptext)
        pipeline_options(c)
        c.add_argument("--checkpoint", metavar="C", help="the checkpoint (default runs/MODEL/checkpoint.npz)")
        c.add_argument("--data", metavar="D", required=(name == "predict"),
                       help="a data file or built-in set" + (" (default: the run's test split)" if name == "evaluate" else ""))
        c.add_argument("--label", metavar="COLUMN", help="the label column of a CSV file")
        c.add_argument("--features", metavar="A,B,...", help="the feature columns of a CSV file")
        c.add_argument("--target", metavar="T", help="run on this target's circuits (default: the one trained for)")
        c.add_argument("--shots", type=int, metavar="N", help="estimate readouts from N shots")
        c.add_argument("--engine", choices=("numba", "numpy"), default="numba")
        if name == "evaluate":
            c.add_argument("--split", choices=("test", "validation", "train"), default="test",
                           help="without --data: which split of the run's data (default test)")
            c.add_argument("--format", choices=("text", "json"), default="text")
            c.add_argument("--noise", metavar="SPEC",
                           help="run under noise: a target's error rates (heavy-hex-27, dev.json) or "
                                "depol1=..,depol2=..,amp=..,phase=..,readout=.. (docs/noise.md)")
            c.add_argument("--mitigate", choices=("none", "readout", "zne", "readout+zne"), default="none",
                           help="error mitigation under --noise")
            c.set_defaults(func=cmd_evaluate)
        else:
            c.add_argument("-o", "--output-file", metavar="OUT.csv", help="write the predictions here (default: stdout)")
            c.set_defaults(func=cmd_predict)


def _compile_options(args) -> dict:
    from ..diagnostics import ConfigError
    if getattr(args, "user_pass", None):
        raise ConfigError("--pass is not available with training commands",
                          hint="register the pass (qml_compiler.passes.register_pass or a plugin) and name it "
                               "in --passes")
    opts = {"engine": args.engine}
    if args.passes is not None:
        opts["passes"] = args.passes
    else:
        opts["opt_level"] = args.opt_level
    return opts


def _features(text: str | None):
    if text is None:
        return None
    out = []
    for part in text.split(","):
        part = part.strip()
        out.append(int(part) if part.lstrip("-").isdigit() else part)
    return out


def _data_arg(args):
    """--data with --label / --features folded in, as a spec."""
    from .config import parse_value
    from .data import normalise_spec
    if args.data is None:
        return None
    spec = normalise_spec(parse_value(args.data))
    if args.label is not None:
        spec["label"] = int(args.label) if args.label.isdigit() else args.label
    if args.features is not None:
        spec["features"] = _features(args.features)
    return spec


def _overrides(args) -> dict:
    from .config import parse_assignment, parse_value
    out: dict = {}
    for flag, key in FLAGS:  # data first: replacing it drops the file's data.* sub-keys
        v = getattr(args, f"set_{key}")
        if v is not None and key == "data":
            out["data"] = parse_value(v)
    for text in args.assignments:
        k, v = parse_assignment(text)
        out[k] = v
    for flag, key in FLAGS:
        v = getattr(args, f"set_{key}")
        if v is not None and key != "data":
            out[key] = v if key == "target" else parse_value(v)
    if args.label is not None:
        out["data.label"] = int(args.label) if args.label.isdigit() else args.label
    if args.features is not None:
        out["data.features"] = _features(args.features)
    if args.checkpoint_steps is not None:
        from ..diagnostics import ConfigError
        if args.checkpoint_steps < 1:
            raise ConfigError("--checkpoint-steps must be a positive integer")
        out["checkpoint_every"] = {"name": "steps", "args": [args.checkpoint_steps]}
    return out


def _model_name(args) -> str:
    from ..frontend import load_file, select_model
    if not os.path.exists(args.file):
        from ..diagnostics import FileError
        raise FileError(f"no such file: `{args.file}`")
    return select_model(load_file(args.file), args.model, args.file).name


def cmd_train(args) -> int:
    from ..cli import EXIT_OK
    from .api import train
    from .metrics import format_confusion

    overrides = _overrides(args)
    out = args.out or os.path.join("runs", _model_name(args))
    quiet = args.quiet
    result = train(args.file, model_name=args.model, out=out, resume=args.resume, quiet=quiet,
                   output=args.output, log=None if quiet else print, compile_options=_compile_options(args),
                   overrides=overrides, noise=getattr(args, "noise", None))
    if result.test is not None:
        t = result.test
        shown = "  ".join(f"{k} {v:.4f}" for k, v in t.items() if isinstance(v, float))
        print(f"test: {shown}  ({t['n']} samples)")
        if "confusion" in t:
            import numpy as np
            print(format_confusion(np.array(t["confusion"]), result.predictor.classes))
    elif result.history:
        last = result.history[-1]
        print("final: " + "  ".join(f"{k} {v:.4f}" for k, v in last.items() if isinstance(v, float) and k != "lr"))
    written = [result.checkpoint] + [result.files[k] for k in ("metrics_csv", "metrics_jsonl", "config", "summary")
                                     if k in result.files]
    if args.plot is not None:
        from .plot import plot_curves
        path = os.path.join(out, "curves.png") if args.plot is True else args.plot
        target = result.config.get("target")
        title = result.predictor.cm.name + (f" on {target}" if target else "")
        written.append(plot_curves(result.history, path, title=title))
    print("wrote " + ", ".join(written))
    return EXIT_OK


def _checkpoint(args) -> str:
    return args.checkpoint or os.path.join("runs", _model_name(args), "checkpoint.npz")


def cmd_evaluate(args) -> int:
    import json

    import numpy as np

    from ..cli import EXIT_OK
    from .api import evaluate
    from .metrics import format_confusion

    r = evaluate(args.file, _checkpoint(args), _data_arg(args), split=args.split, model_name=args.model,
                 target=args.target, shots=args.shots, compile_options=_compile_options(args),
                 noise=args.noise, mitigation=args.mitigate)
    if args.format == "json":
        print(json.dumps(r, indent=2, default=str))
        return EXIT_OK
    print(f"{r['data']}: {r['n']} samples")
    for k, v in r.items():
        if isinstance(v, float):
            print(f"  {k:<10} {v:.4f}")
    if "confusion" in r:
        print("confusion matrix (rows: true class):")
        print(format_confusion(np.array(r["confusion"]), r["classes"]))
    if "warning" in r:
        print(f"warning: {r['warning']}", file=sys.stderr)
    return EXIT_OK


def cmd_predict(args) -> int:
    import csv
    import io

    from ..cli import EXIT_OK, _write_atomic
    from .api import predict

    r = predict(args.file, _checkpoint(args), _data_arg(args), model_name=args.model, target=args.target,
                shots=args.shots, compile_options=_compile_options(args))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    score_cols = []
    if r["classes"] is not None:
        prefix = "p_" if r["probabilities"] else "score_"
        score_cols = [f"{prefix}{c}" for c in r["classes"]]
    w.writerow(list(r["features"]) + ["prediction"] + score_cols)
    for i in range(len(r["X"])):
        row = [repr(float(v)) for v in r["X"][i]]
        p = r["prediction"][i]
        row.append(repr(float(p)) if r["classes"] is None else str(p))
        if score_cols:
            row += [f"{float(s):.6g}" for s in r["scores"][i]]
        w.writerow(row)
    if args.output_file:
        _write_atomic(args.output_file, buf.getvalue())
        print(f"wrote {len(r['X'])} predictions to {args.output_file}", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())
    return EXIT_OK
