"""How noise hurts the example models on heavy-hex, and what each mitigation gives back at what cost.

Every example model is compiled for `heavy-hex-27` (`qml_compiler.compile(path, target=...)`:
routed, native gates cx/rz/sx/x on the physical qubits it uses). Each quantum block's expectation
readouts are evaluated for a batch of random parameters and inputs:

- exact: no noise;
- noisy: the typical published figures for IBM heavy-hex devices (one-qubit gate error 3e-4,
  CX error 1e-2, readout error 2e-2, read as average gate infidelities: depolarising Pauli error
  probabilities 4.5e-4 and 1.25e-2; Rz virtual and error-free), density-matrix simulation;
- each mitigation: readout (tensored, full), zero-noise extrapolation (global/local folding,
  Richardson/linear/exponential) with tensored readout mitigation, and ZNE alone.

Reported per block: mean |value - exact| over samples and readouts, the share of the noisy error
each mitigation removes, and the cost in circuit runs and noisy-gate executions relative to the
noisy run. Exact distributions first (the bias alone), then with 8192 shots per circuit (bias and
statistical error together). Model level: outputs of the whole model (exact vs noisy vs mitigated)
and how often the predicted class agrees with the exact model's.

    python benchmarks/noise.py            # writes benchmarks/results/noise.{json,md}
    python benchmarks/noise.py --quick    # fewer samples, no shots section
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qml_compiler as qc
from qml_compiler.frontend.model import Expval
from qml_compiler.ir.nodes import QuantumBlock
from qml_compiler.noise import (
    ZNE,
    NoiseModel,
    ReadoutMitigation,
    block_bindings,
    noisy_expectations,
    with_noise,
)

TARGET = "heavy-hex-27"
MODELS = [("examples/moons.qml", None), ("examples/iris.qml", None), ("examples/encoder_ansatz.qml", None),
          ("examples/hamiltonian.qml", None), ("examples/parallel.qml", None),
          ("examples/qasm_include.qml", None), ("examples/reupload.qml", "circle_classifier"),
          ("examples/reference.qml", "r2_8q"), ("examples/reference.qml", "r2l_8q_last")]

MITIGATIONS = {
    "readout (tensored)": {"readout_mitigation": "tensored"},
    "readout (full)": {"readout_mitigation": "full"},
    "ZNE global, Richardson 1,3,5": {"zne": ZNE((1, 3, 5), "global", "richardson")},
    "readout + ZNE global, Richardson 1,3,5": {"readout_mitigation": "tensored", "zne": ZNE((1, 3, 5), "global", "richardson")},
    "readout + ZNE global, linear 1,2,3": {"readout_mitigation": "tensored", "zne": ZNE((1, 2, 3), "global", "linear")},
    "readout + ZNE local, linear 1,2,3": {"readout_mitigation": "tensored", "zne": ZNE((1, 2, 3), "local", "linear")},
    "readout + ZNE global, exponential 1,3,5": {"readout_mitigation": "tensored", "zne": ZNE((1, 3, 5), "global", "exponential")},
}
SHOT_MITIGATIONS = ["readout (tensored)", "readout + ZNE global, linear 1,2,3", "readout + ZNE global, Richardson 1,3,5"]


def blocks(cm):
    for n in cm.order:
        op = cm.ir.nodes[n]["op"]
        if isinstance(op, QuantumBlock) and not op.state and any(isinstance(r, Expval) for r in op.readouts):
            yield n, op


def bench_block(block, params, rng, batch, noise, shots):
    args = [rng.uniform(-np.pi, np.pi, (batch, w)) for _, w in block.inputs]
    bind = block_bindings(block, params, args)
    readouts = [r for r in block.readouts if isinstance(r, Expval)]
    exact = noisy_expectations(block, bind, readouts)
    t = time.perf_counter()
    noisy, info = noisy_expectations(block, bind, readouts, noise=noise, info=True)
    t_noisy = time.perf_counter() - t
    err0 = float(np.abs(noisy - exact).mean())
    base = info["cost"]
    row = {"block": block.name, "qubits": block.n_qubits, "gates": block.circuit.n_gates,
           "cx": block.circuit.n_2qb_gates(), "readouts": len(readouts), "batch": batch,
           "exact_mean_abs": float(np.abs(exact).mean()), "noisy_error": err0, "noisy_seconds": t_noisy,
           "noisy_cost": base, "mitigations": {}}
    n_measured = len({q for r in readouts for t in r.terms for q, _ in t.ops})
    for name, opts in MITIGATIONS.items():
        if name == "readout (full)" and n_measured > 8:
            continue
        opts = dict(opts)
        if isinstance(opts.get("readout_mitigation"), str):
            opts["readout_mitigation"] = ReadoutMitigation(opts["readout_mitigation"])
        t = time.perf_counter()
        got, inf = noisy_expectations(block, bind, readouts, noise=noise, info=True, **opts)
        err = float(np.abs(got - exact).mean())
        row["mitigations"][name] = {
            "error": err, "recovered": 1 - err / err0 if err0 else None,
            "circuits": inf["cost"]["circuits"] / base["circuits"],
            "gates": inf["cost"]["gates"] / base["gates"] if base["gates"] else None,
            "scales": inf.get("scales"), "seconds": time.perf_counter() - t}
    if shots:
        row["shots"] = {"shots": shots}
        got = noisy_expectations(block, bind, readouts, noise=noise, shots=shots, seed=1)
        row["shots"]["noisy"] = float(np.abs(got - exact).mean())
        for name in SHOT_MITIGATIONS:
            opts = dict(MITIGATIONS[name])
            opts["readout_mitigation"] = ReadoutMitigation("tensored", shots=shots)
            got = noisy_expectations(block, bind, readouts, noise=noise, shots=shots, seed=1, **opts)
            row["shots"][name] = float(np.abs(got - exact).mean())
    return row


def bench_model(path, model, noise, batch, shots, seed=0):
    cm_exact = qc.compile(str(ROOT / path), model=model)
    t = time.perf_counter()
    cm = qc.compile(str(ROOT / path), model=model, target=TARGET)
    t_compile = time.perf_counter() - t
    params = cm.init_params(seed=seed)
    rng = np.random.default_rng(seed)
    out = {"file": path, "model": cm.name, "compile_seconds": t_compile, "blocks": []}
    for _, b in blocks(cm):
        out["blocks"].append(bench_block(b, params, rng, batch, noise, shots))
    if len(cm.outputs) == 1 and cm.inputs:
        x = {k: rng.uniform(-1.5, 1.5, (batch, w)) for k, w in cm.inputs.items()}
        (name, width), = cm.outputs.items()
        ex = cm_exact.forward(x, params)[name]
        res = {"output": name, "width": width}
        for label, opts in [("noisy", {}), ("readout (tensored)", {"readout_mitigation": "tensored"}),
                            ("readout + ZNE global, Richardson 1,3,5",
                             {"readout_mitigation": "tensored", "zne": ZNE((1, 3, 5))})]:
            y = with_noise(cm, noise, **opts).forward(x, params)[name]
            r = {"mean_abs_output_error": float(np.abs(y - ex).mean())}
            if width > 1:
                r["class_agreement"] = float(np.mean(np.argmax(y, 1) == np.argmax(ex, 1)))
            res[label] = r
        out["model_outputs"] = res
    return out


def markdown(result) -> str:
    nm = result["noise"]
    lines = [
        "# Noise and error mitigation on heavy-hex",
        "",
        (f"Command: `{result['command']}` · {result['machine']} · Python {result['python']} · "
        f"pytket {result['pytket']} · numpy {result['numpy']} · {result['seconds']:.0f} s in all."),
        "",
        (f"Target `{TARGET}` (models compiled with `qml_compiler.compile(path, target=...)`: routed, native "
        "cx/rz/sx/x). Noise: the typical published figures for IBM heavy-hex devices, one-qubit gate "
        "error 3e-4, CX error 1e-2, readout error 2e-2 (`NoiseModel.from_target`: gate errors read as "
        f"average infidelities, so depolarising Pauli error probabilities {nm['depol1']:g} and "
        f"{nm['depol2']:g}; readout flips {nm['readout01']:g}; Rz is virtual and error-free). "
        "Density-matrix simulation, exact distributions unless shots are stated; a batch of "
        f"{result['batch']} random parameter/input draws per block."),
        "",
        "## Expectation values: error and what mitigation recovers",
        "",
        ("Error = mean |value - exact| over samples and expectation readouts. Recovered = share of the "
        "noisy error removed. Cost = circuit runs (and noisy-gate executions) relative to the noisy run; "
        "readout calibration circuits are counted (paid once per batch)."),
        "",
    ]
    names = list(MITIGATIONS)
    head = "| model / block | qubits, CX | exact mean abs | noisy error | " + " | ".join(names) + " |"
    lines += [head, "|" + "---|" * (4 + len(names))]
    for m in result["models"]:
        for b in m["blocks"]:
            cells = []
            for n in names:
                r = b["mitigations"].get(n)
                cells.append("—" if r is None else
                             f"{r['error']:.4f} ({100 * r['recovered']:.0f}%; {r['circuits']:.1f}x runs, "
                             f"{r['gates']:.1f}x gates)")
            lines.append(f"| {m['model']} / {b['block']} | {b['qubits']}, {b['cx']} | {b['exact_mean_abs']:.3f} | "
                         f"{b['noisy_error']:.4f} | " + " | ".join(cells) + " |")
    lines += ["", "Mean over blocks of the share of noisy error recovered:", ""]
    for n in names:
        vals = [b["mitigations"][n]["recovered"] for m in result["models"] for b in m["blocks"] if n in b["mitigations"]]
        runs = [b["mitigations"][n]["circuits"] for m in result["models"] for b in m["blocks"] if n in b["mitigations"]]
        lines.append(f"- {n}: {100 * np.mean(vals):.0f}% (median {100 * np.median(vals):.0f}%), "
                     f"{np.mean(runs):.1f}x circuit runs")
    if any("shots" in b for m in result["models"] for b in m["blocks"]):
        shots = next(b["shots"]["shots"] for m in result["models"] for b in m["blocks"] if "shots" in b)
        lines += ["", f"## With {shots} shots per circuit (bias and statistical error together)", "",
                  "| model / block | noisy | " + " | ".join(SHOT_MITIGATIONS) + " |",
                  "|" + "---|" * (2 + len(SHOT_MITIGATIONS))]
        for m in result["models"]:
            for b in m["blocks"]:
                s = b.get("shots")
                if s:
                    lines.append(f"| {m['model']} / {b['block']} | {s['noisy']:.4f} | "
                                 + " | ".join(f"{s[n]:.4f}" for n in SHOT_MITIGATIONS) + " |")
    lines += ["", "## Whole models: outputs and predicted classes", "",
              ("Mean |output - exact| of the model's output and, for several outputs, the share of samples "
              "whose arg-max agrees with the exact model (random, untrained parameters)."), "",
              "| model | noisy | readout (tensored) | readout + ZNE global, Richardson 1,3,5 |", "|---|---|---|---|"]
    for m in result["models"]:
        r = m.get("model_outputs")
        if not r:
            continue

        def cell(k, r=r):
            c = r[k]
            agree = f", {100 * c['class_agreement']:.0f}% same class" if "class_agreement" in c else ""
            return f"{c['mean_abs_output_error']:.4f}{agree}"
        lines.append(f"| {m['model']} | {cell('noisy')} | {cell('readout (tensored)')} | "
                     f"{cell('readout + ZNE global, Richardson 1,3,5')} |")
    lines += ["", "Reproduce: `" + result["command"] + "`.", ""]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--shots", type=int, default=8192)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "noise"))
    a = ap.parse_args(argv)
    batch = a.batch or (4 if a.quick else 16)
    shots = 0 if a.quick else a.shots
    noise = NoiseModel.from_target(TARGET)
    t0 = time.perf_counter()
    models = []
    for path, model in MODELS:
        t = time.perf_counter()
        models.append(bench_model(path, model, noise, batch, shots))
        print(f"{path} {model or ''}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    import pytket

    result = {"command": "python benchmarks/noise.py" + (" --quick" if a.quick else ""),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": platform.python_version(),
              "pytket": pytket.__version__, "numpy": np.__version__, "target": TARGET, "batch": batch,
              "noise": noise.to_json(), "published_rates": {"gate_1q": 3e-4, "gate_2q": 1e-2, "readout": 2e-2},
              "models": models, "seconds": time.perf_counter() - t0}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out + ".json").write_text(json.dumps(result, indent=1))
    Path(a.out + ".md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
