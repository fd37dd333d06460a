"""The peer paths P1-P4: a quantum layer from PennyLane or Qiskit Machine Learning inside a torch
model, trained with torch's Adam, configured as in shared/anchors/peers_train.py.

  P1  PennyLane default.qubit, interface torch, diff_method="backprop", the batch as parameter
      broadcasting, qml.qnn.TorchLayer.
  P2  PennyLane lightning.qubit, diff_method="adjoint", TorchLayer (lightning has no native
      broadcasting: PennyLane splits the batch into one circuit per sample).
  P3  PennyLane default.qubit, diff_method="parameter-shift", broadcast batch, TorchLayer.
  P4  Qiskit Machine Learning EstimatorQNN with its default estimator (exact statevector) and its
      default gradient (parameter shift), wrapped in TorchConnector.

Only import this module in a process whose thread variables are already set to 1."""

from __future__ import annotations

import time

import numpy as np

from .models import BATCH, LR, MODELS, epoch_batches, gate_sequence, init_weights, load_data, SEED_SHUFFLE

PATHS = {
    "P1": ("pennylane", "PennyLane default.qubit, torch, backprop, broadcast batch"),
    "P2": ("pennylane-lightning", "PennyLane lightning.qubit, adjoint (per sample)"),
    "P3": ("pennylane", "PennyLane default.qubit, parameter shift, broadcast batch"),
    "P4": ("qiskit-machine-learning", "Qiskit ML EstimatorQNN + TorchConnector (default gradient)"),
}


def pennylane_layer(model: str, device: str, diff_method: str, qw: np.ndarray):
    import pennylane as qml
    import torch

    cfg = MODELS[model]
    seq = gate_sequence(model)
    readout = cfg["readout"]
    dev = qml.device(device, wires=cfg["n"])

    @qml.qnode(dev, interface="torch", diff_method=diff_method)
    def qnode(inputs, weights):
        for g in seq:
            if g[0] == "xry":
                angle = inputs[..., g[2]]
                qml.RY(angle if g[3] == 1.0 else angle * g[3], wires=g[1])
            elif g[0] == "ry":
                qml.RY(weights[g[2]], wires=g[1])
            elif g[0] == "rz":
                qml.RZ(weights[g[2]], wires=g[1])
            else:
                qml.CNOT(wires=[g[1], g[2]])
        if len(readout) == 1:
            return qml.expval(qml.PauliZ(readout[0]))
        return [qml.expval(qml.PauliZ(q)) for q in readout]

    layer = qml.qnn.TorchLayer(qnode, weight_shapes={"weights": qw.shape})
    with torch.no_grad():
        layer.qnode_weights["weights"].copy_(torch.tensor(qw))
    return layer


def qiskit_layer(model: str, qw: np.ndarray):
    import torch
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    cfg = MODELS[model]
    n, L = cfg["n"], cfg["L"]
    x = ParameterVector("x", cfg["nfeat"])
    w = ParameterVector("w", L * n * 2)  # flat index (l * n + i) * 2 + k = qw.reshape(-1)
    circuit = QuantumCircuit(n)
    for g in gate_sequence(model):
        if g[0] == "xry":
            circuit.ry(x[g[2]] if g[3] == 1.0 else x[g[2]] * g[3], g[1])
        elif g[0] in ("ry", "rz"):
            l, i, k = g[2]
            getattr(circuit, g[0])(w[(l * n + i) * 2 + k], g[1])
        else:
            circuit.cx(g[1], g[2])
    observables = [SparsePauliOp.from_sparse_list([("Z", [q], 1.0)], num_qubits=n) for q in cfg["readout"]]
    qnn = EstimatorQNN(circuit=circuit, observables=observables, input_params=list(x), weight_params=list(w))
    connector = TorchConnector(qnn, initial_weights=torch.tensor(qw.reshape(-1)))

    class AsFloat64(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, xb):
            return self.inner(xb).double()

    return AsFloat64(connector)


def quantum_layer(model: str, path: str, qw: np.ndarray):
    if path == "P1":
        return pennylane_layer(model, "default.qubit", "backprop", qw)
    if path == "P2":
        return pennylane_layer(model, "lightning.qubit", "adjoint", qw)
    if path == "P3":
        return pennylane_layer(model, "default.qubit", "parameter-shift", qw)
    if path == "P4":
        return qiskit_layer(model, qw)
    raise ValueError(path)


def train(model: str, path: str, epochs: int, epoch_cap: float, extrap_batches: int,
          extrap_budget: float) -> dict:
    """Warm-up (forward + backward on the first 32 samples, no optimiser step, so the
    trajectory is unchanged), then `epochs` timed epochs; or, when the warm-up predicts an epoch
    longer than `epoch_cap` seconds (a prediction under 4x the cap is re-checked with a second
    warm-up step, since the first carries one-off costs), `extrap_batches` timed training steps of the first epoch,
    extrapolated to an epoch as step_time * N / 32 (fewer steps, at least one, when the
    warm-up says `extrap_batches` steps would take longer than `extrap_budget` seconds)."""
    import torch

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    X, y = load_data(model)
    N = len(X)
    qw, head = init_weights(model)
    qlayer = quantum_layer(model, path, qw)
    if model == "R1":
        linear = torch.nn.Linear(MODELS[model]["n"], 2).double()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(head[0]))
            linear.bias.copy_(torch.tensor(head[1]))
        net = torch.nn.Sequential(qlayer, linear)

        def loss_fn(out, target):
            return torch.nn.functional.cross_entropy(out, target)
    else:
        net = qlayer

        def loss_fn(out, target):
            return torch.mean((out.reshape(-1) - target) ** 2)

    Xt, yt = torch.tensor(X), torch.tensor(y)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    rng = np.random.default_rng(SEED_SHUFFLE)

    def step(idx, update=True) -> float:
        opt.zero_grad()
        loss = loss_fn(net(Xt[idx]), yt[idx])
        loss.backward()
        if update:
            opt.step()
        else:
            opt.zero_grad()
        return loss.item()

    t0 = time.perf_counter()
    step(np.arange(BATCH), update=False)
    warmup = time.perf_counter() - t0
    predicted = warmup * N / BATCH
    if epoch_cap < predicted < 4 * epoch_cap:
        # The first call carries one-off costs (tracing, caches); near the cap, let a second
        # warm-up step (no update either) decide.
        t0 = time.perf_counter()
        step(np.arange(BATCH), update=False)
        predicted = min(predicted, (time.perf_counter() - t0) * N / BATCH)
    out = {"warmup_s": warmup, "predicted_epoch_s": predicted, "n_samples": N}
    times, step_losses, epoch_losses = [], [], []
    if predicted > epoch_cap:
        k = max(1, min(extrap_batches, int(extrap_budget // max(warmup, 1e-9))))
        batches = [b for b in epoch_batches(N, rng) if len(b) == BATCH][:k]
        for b in batches:
            t0 = time.perf_counter()
            step_losses.append(step(b))
            times.append((time.perf_counter() - t0) * N / BATCH)
        out.update(extrapolated=True, steps_timed=len(batches),
                   extrapolation=f"epoch = one 32-sample training step x {N}/32; {len(batches)} steps timed")
    else:
        for ep in range(epochs):
            batches = epoch_batches(N, rng)
            total = 0.0
            t0 = time.perf_counter()
            for b in batches:
                loss = step(b)
                total += loss * len(b)
                if ep == 0:
                    step_losses.append(loss)
            times.append(time.perf_counter() - t0)
            epoch_losses.append(total / N)
        out.update(extrapolated=False)
    out.update(epoch_s=times, epoch_losses=epoch_losses, step_losses=step_losses)
    return out
