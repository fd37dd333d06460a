"""The noisy simulator as an executor: circuits in, measured distributions out.

An executor answers one question the same way a device does: for a circuit, a batch of
bindings and a list of measurement settings, what distribution of outcomes does each setting
give (optionally estimated from `shots`)? Mitigation and extrapolation are written against this
question only, so they run unchanged on the simulator here and on any pytket `Backend`
(`backend.BackendExecutor`). Each executor counts what it ran (`cost`): circuits (one per
sample, setting and noise scale, as hardware would need), shots, and noisy gates executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pytket import Circuit

from ..diagnostics import ConfigError
from .density import density_probs, simulate_density, simulate_trajectories, state_probs
from .model import NoiseModel
from .plan import Plan
from .readout import BASIS_CHANGE, apply_per_qubit, confusion, marginal, sample_counts

METHODS = ("auto", "density", "trajectories")
MAX_DENSITY_QUBITS = 8
"""`method="auto"` simulates blocks up to this many qubits with density matrices (4**8 entries per
sample) and larger ones with trajectories."""
DEFAULT_TRAJECTORIES = 200


@dataclass
class Cost:
    """What an executor ran: circuits (sample x setting x scale), shots in all, and noisy gates
    executed in all (circuits weighted by their length)."""

    circuits: int = 0
    shots: int = 0
    gates: int = 0

    def add(self, other: Cost) -> None:
        self.circuits += other.circuits
        self.shots += other.shots
        self.gates += other.gates

    def to_json(self) -> dict:
        return {"circuits": self.circuits, "shots": self.shots, "gates": self.gates}


@dataclass
class Simulator:
    """The project's noisy simulator: density matrices for small circuits, seeded Monte-Carlo
    trajectories for larger ones (`method`), readout error applied to the outcome distributions,
    exact distributions or `shots` samples of them."""

    noise: NoiseModel = field(default_factory=NoiseModel)
    method: str = "auto"
    trajectories: int = DEFAULT_TRAJECTORIES
    seed: int = 0
    max_density_qubits: int = MAX_DENSITY_QUBITS
    memory_limit: int | None = None
    cost: Cost = field(default_factory=Cost)
    last_trajectories: list | None = None

    def __post_init__(self):
        self.noise = NoiseModel.get(self.noise)
        if self.method not in METHODS:
            raise ConfigError(f"unknown noisy simulation method `{self.method}`", hint="choose " + ", ".join(METHODS))
        self.rng = np.random.default_rng(self.seed)

    name = "simulator"

    def method_for(self, n_qubits: int) -> str:
        if self.method != "auto":
            return self.method
        return "density" if n_qubits <= self.max_density_qubits else "trajectories"

    def run(self, circuit: Circuit, bindings, settings, shots: int | None = None,
            batch: int | None = None) -> list[np.ndarray]:
        """One (batch, 2**k) distribution per setting; a setting is ((position, basis), ...) with
        positions in `circuit.qubits`. With trajectories, `last_trajectories` holds per setting
        the distribution of every trajectory (batch, trajectories, 2**k), for error bars."""
        keep = {q for s in settings for q, _ in s}
        plan = Plan(circuit, keep=keep)
        X = plan.values(bindings, batch)
        B = X.shape[0]
        n = plan.n
        method = self.method_for(n)
        noisy_gates = sum(g.name not in self.noise.virtual for g in plan.gates)
        self.cost.add(Cost(B * len(settings), B * len(settings) * (shots or 0), B * len(settings) * noisy_gates))
        dists = []
        if method == "density" or not self.noise.has_gate_noise:
            T = simulate_density(plan, X, self.noise, self.memory_limit) if method == "density" else None
            if T is None:  # trajectories without gate noise: one exact state vector each
                T = simulate_trajectories(plan, X, self.noise, 1, self.rng, self.memory_limit)
            for s in settings:
                rot = {plan.positions[q]: BASIS_CHANGE[b] for q, b in s if b != "Z"}
                probs = density_probs(T, n, rot) if method == "density" else state_probs(T, n, rot)
                dists.append(self._finish(probs, plan, s, shots))
            self.last_trajectories = None
            return dists
        k = self.trajectories
        T = simulate_trajectories(plan, X, self.noise, k, self.rng, self.memory_limit)
        per_traj = []
        for s in settings:
            rot = {plan.positions[q]: BASIS_CHANGE[b] for q, b in s if b != "Z"}
            per = self._noisy_readout(self._measured(state_probs(T, n, rot), plan, s), plan, s, None)
            per = per.reshape(B, k, -1)
            per_traj.append(per)
            mean = per.mean(axis=1)
            dists.append(sample_counts(mean, shots, self.rng) if shots is not None else mean)
        self.last_trajectories = per_traj
        return dists

    def _measured(self, probs: np.ndarray, plan: Plan, setting) -> np.ndarray:
        """(columns, 2**m) distributions of the setting's qubits (listed order, first = MSB)."""
        n = plan.n
        C = probs.shape[-1]
        full = probs.reshape(2 ** n, C).T
        return marginal(full, [plan.positions[q] for q, _ in setting])

    def _noisy_readout(self, dist: np.ndarray, plan: Plan, setting, shots) -> np.ndarray:
        if self.noise.has_readout_noise:
            mats = [confusion(*self.noise.readout_probs(plan.device[plan.positions[q]])) for q, _ in setting]
            dist = apply_per_qubit(dist, mats)
        if shots is not None:
            dist = sample_counts(dist, shots, self.rng)
        return dist

    def _finish(self, probs, plan, setting, shots):
        return self._noisy_readout(self._measured(probs, plan, setting), plan, setting, shots)
