"""The functions to call: noisy readouts of a circuit or block, with mitigation, on any executor.

    >>> from qml_compiler.noise import noisy_expectations, NoiseModel, ZNE
    >>> vals = noisy_expectations(circuit, {"theta": thetas}, ["Z0", "Z0 Z1"], noise="heavy-hex-27")
    >>> vals, info = noisy_expectations(block, block_bindings(block, params, [x]), noise=nm,
    ...                                 readout_mitigation="tensored", zne=ZNE(), info=True)
    >>> noisy = with_noise(cm, "depol1=3e-4,depol2=1e-2,readout=2e-2")   # a CompiledModel
    >>> noisy.forward({"x": x}, params)["y"]
"""

from __future__ import annotations

import copy

import numpy as np
from pytket import Circuit

from ..diagnostics import ConfigError
from ..ir.nodes import QuantumBlock
from .mitigation import ReadoutMitigation
from .model import NoiseModel
from .readout import ReadoutPlan
from .simulator import DEFAULT_TRAJECTORIES, Cost, Simulator
from .zne import ZNE, extrapolate, fold, noise_scale


def block_bindings(block: QuantumBlock, params: dict, args: list) -> dict[str, np.ndarray]:
    """The symbol values of a block for a batch: trainable elements from the model's params
    dict ("{block}.{param}" arrays), data elements from the block's arguments (port order)."""
    out = {}
    flat = {}
    for s in block.symbols:
        if s.kind == "param":
            key = f"{s.block}.{s.name}"
            if key not in flat:
                if key not in params:
                    raise ConfigError(f"parameter `{key}` is missing", hint="start from cm.init_params()")
                flat[key] = np.asarray(params[key], dtype=float).reshape(-1)
            out[s.symbol] = flat[key][s.index]
        else:
            out[s.symbol] = np.asarray(args[s.port], dtype=float)[:, s.index]
    return out


def _executor(backend, noise, method, trajectories, seed, shots):
    if backend is None:
        return Simulator(NoiseModel.get(noise), method, trajectories, seed)
    if hasattr(backend, "run") and hasattr(backend, "cost"):
        return backend  # an executor already
    from .backend import BackendExecutor

    if noise is not None:
        raise ConfigError("with a backend, the noise is the backend's",
                          hint="for Aer: get_backend('aer', noise=...) or AerBackend(noise_model=to_aer_noise_model(nm))")
    return BackendExecutor(backend, shots=shots or 1000, seed=seed)


def _positions(circuit: Circuit, qubits, readout_qubits) -> dict[int, int]:
    """Readout qubit number -> position in circuit.qubits."""
    if qubits is None:
        pos = {q: q for q in readout_qubits}
    else:
        index = {q: i for i, q in enumerate(circuit.qubits)}
        items = qubits.items() if isinstance(qubits, dict) else enumerate(qubits)
        pos = {int(k): (index[v] if not isinstance(v, (int, np.integer)) else int(v)) for k, v in items}
    for q in readout_qubits:
        if q not in pos or not 0 <= pos[q] < circuit.n_qubits:
            raise ConfigError(f"readout qubit {q} is not a qubit of the circuit ({circuit.n_qubits} qubits)")
    return pos


def noisy_expectations(circuit, bindings=None, readouts=None, noise=None, *, method: str = "auto",
                       shots: int | None = None, seed: int = 0, trajectories: int = DEFAULT_TRAJECTORIES,
                       backend=None, readout_mitigation=None, zne=None, qubits=None, info: bool = False):
    """Readout values (batch, width) of a circuit or QuantumBlock under noise.

    - `circuit`: a pytket Circuit (angles in half-turns, sympy symbols) or a QuantumBlock (whose
      readouts are the default). `bindings`: symbol -> scalar or (batch,) array (for a block,
      `block_bindings(block, params, args)`).
    - `readouts`: specs (Expval/Probs/Samples) or text ("Z0", "Z0 Z1", "0.5*X0 X1"); qubit numbers
      are positions in `circuit.qubits` unless `qubits` maps them (readout number -> Qubit or
      position), as for a compiled circuit on device qubits.
    - `noise`: a NoiseModel, a spec ("depol1=3e-4,depol2=1e-2,readout=2e-2") or a target name.
    - `method`: "auto" (density matrices up to 8 qubits, else trajectories), "density",
      "trajectories" (`trajectories` per sample, seeded by `seed`).
    - `shots`: None for exact distributions (simulator), else sampled as hardware would.
    - `backend`: a pytket Backend (then `noise` must be None: the backend has its own) or an
      executor; default: the project's simulator.
    - `readout_mitigation`: "tensored", "full" or a ReadoutMitigation; `zne`: a ZNE (or dict of
      its fields, or True for the defaults).
    - `info=True` also returns a dict: cost (circuits, shots, gates), scales reached, and with
      trajectories the standard error of every value (`stderr`).
    """
    block = circuit if isinstance(circuit, QuantumBlock) else None
    if block is not None:
        if block.state:
            raise ConfigError(f"block `{block.name}` has no readouts (its value is a quantum state)",
                              hint="noisy simulation reads blocks that end in readouts")
        if block.from_state:
            raise ConfigError(f"block `{block.name}` starts from another block's state, which the noisy "
                              "simulator does not carry between blocks",
                              hint="compile with block fusion (-O1 or more) so that the two blocks become one")
        readouts = block.readouts if readouts is None else readouts
        circuit = block.circuit
        if block.target is not None:
            # A block compiled for a target runs on physical qubits renumbered 0..m-1; its
            # `qubits` are their device numbers, which per-qubit and per-coupler rates refer to.
            from pytket.circuit import Node
            circuit = circuit.copy()
            circuit.rename_units({q: Node(block.qubits[k]) for k, q in enumerate(block.circuit.qubits)})
    if not isinstance(circuit, Circuit):
        raise ConfigError(f"expected a pytket Circuit or a QuantumBlock, got {type(circuit).__name__}")
    rp = ReadoutPlan(readouts)
    pos = _positions(circuit, qubits, rp.qubits)
    settings = [tuple((pos[q], b) for q, b in s) for s in rp.settings]
    ex = _executor(backend, noise, method, trajectories, seed, shots)
    noiseless = ex.noise.virtual if isinstance(ex, Simulator) else ("Rz",)
    rm = ReadoutMitigation(readout_mitigation) if isinstance(readout_mitigation, str) else readout_mitigation
    if zne is True:
        zne = ZNE()
    elif isinstance(zne, dict):
        zne = ZNE(**zne)
    rng = np.random.default_rng(seed)
    start = copy.copy(ex.cost)
    details: dict = {}

    def values_at(circ):
        dists = ex.run(circ, bindings, settings, shots=shots)
        if rm is not None:
            dists = [rm.correct(d, rm.calibrate(ex, circuit, [p for p, _ in s])) for d, s in zip(dists, settings)]
        return rp.values(dists, rng)

    if zne is None:
        out = values_at(circuit)
        per = getattr(ex, "last_trajectories", None)
        if per is not None and rm is None and all(not hasattr(r, "shots") for r in rp.items):
            B, k = per[0].shape[:2]
            v = rp.values([p.reshape(B * k, -1) for p in per]).reshape(B, k, -1)
            details["stderr"] = v.std(axis=1, ddof=1) / np.sqrt(k) if k > 1 else np.zeros_like(out)
    else:
        folded = [fold(circuit, s, zne.folding, zne.seed, noiseless) for s in zne.scales]
        reached = [noise_scale(circuit, f, noiseless) for f in folded]
        if len(set(reached)) < len(reached):
            raise ConfigError(f"the scales {list(zne.scales)} reach the same noise levels {reached} on a circuit "
                              f"this short", hint="use scales further apart, e.g. 1, 3, 5")
        vals = np.stack([values_at(f) for f in folded])
        out = extrapolate(zne.extrapolation, reached, vals)
        details["scales"] = reached
        details["values_at_scales"] = vals
    if not info:
        return out
    used = Cost(ex.cost.circuits - start.circuits, ex.cost.shots - start.shots, ex.cost.gates - start.gates)
    details["cost"] = used.to_json()
    return out, details


class NoisyRunner:
    """A forward-only stand-in for the runtime's BlockRunner that runs its block under noise
    (and mitigation) with `noisy_expectations`; used by `with_noise`."""

    def __init__(self, block: QuantumBlock, **options):
        self.block = block
        self.options = options
        self.calls = 0
        self.cost = Cost()

    def check_memory(self, batch, limit) -> None:
        return None

    def forward(self, params, args, batch, start=None, keep=False, rng=None):
        if keep:
            raise ConfigError("a model run under noise has no exact gradient",
                              hint="use gradient(..., method='spsa') or finite differences under noise, "
                                   "or train without noise")
        opts = dict(self.options)
        opts["seed"] = opts.get("seed", 0) + self.calls  # new randomness per call, reproducible
        self.calls += 1
        out, details = noisy_expectations(self.block, block_bindings(self.block, params, args),
                                          info=True, **opts)
        c = details["cost"]
        self.cost.add(Cost(c["circuits"], c["shots"], c["gates"]))
        return out, None


def with_noise(model, noise=None, **options):
    """A copy of a CompiledModel whose quantum blocks run under `noise` (a NoiseModel, spec or
    target name) and optional mitigation: `forward` gives noisy outputs; `gradient` estimates
    gradients from noisy forward runs (SPSA by default, or finite differences with exact
    density-matrix noise). Options are those of `noisy_expectations` (method, shots, seed,
    trajectories, backend, readout_mitigation, zne). The model given is not changed."""
    from ..runtime.model import CompiledModel

    if not isinstance(model, CompiledModel):
        raise ConfigError(f"with_noise takes a CompiledModel, got {type(model).__name__}")
    m = copy.copy(model)
    m.__class__ = NoisyModel
    if options.get("backend") is None:
        options["noise"] = NoiseModel.get(noise)
    elif noise is not None:
        raise ConfigError("with a backend, the noise is the backend's")
    m.runners = {n: NoisyRunner(r.block, **options) for n, r in model.runners.items()}
    m._adjoint_everywhere = False
    m.noise_options = options
    return m


def _noisy_model_class():
    from ..runtime.model import CompiledModel

    class NoisyModel(CompiledModel):
        """A CompiledModel run under noise (made by `with_noise`)."""

        def forward(self, inputs, params, rng=None, shots=None, seed=0):
            if shots is not None:
                raise ConfigError("a noisy model's shots are set once: with_noise(cm, noise, shots=...)")
            return self._run(inputs, params, keep=False, rng=rng)[0]

        def gradient(self, inputs, params, loss="mse", targets=None, output=None, method="spsa",
                     shots=None, seed=0, **options):
            if method not in ("spsa", "finite_diff"):
                raise ConfigError(f"gradient method `{method}` needs the exact state, which a noisy run "
                                  "does not have", hint="use method='spsa' (or 'finite_diff' with exact "
                                                        "density-matrix noise), or train without noise")
            if shots is not None:
                raise ConfigError("a noisy model's shots are set once: with_noise(cm, noise, shots=...)")
            from ..runtime.shift import gradient as by_method

            return by_method(self, inputs, params, loss, targets, output=output, method=method, seed=seed,
                             **options)

        @property
        def cost(self) -> Cost:
            """Circuits, shots and gates run so far by all blocks."""
            total = Cost()
            for r in self.runners.values():
                total.add(r.cost)
            return total

    return NoisyModel


NoisyModel = _noisy_model_class()
