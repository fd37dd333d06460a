"""Noise: how a device's errors change a model's readouts, and how much mitigation gives back.

Concepts, one module each:

- `NoiseModel` (`model`): plain data: depolarising error per one- and two-qubit gate, amplitude
  and phase damping, readout (assignment) error; from a target's error rates or a spec string.
- Executors: something that runs circuits and reports measured distributions. `Simulator`
  (`simulator`, over `density`: batched density matrices for small blocks, seeded Monte-Carlo
  trajectories for larger ones) and `BackendExecutor` (`backend`: any pytket Backend, one
  `process_circuits` call per batch; `get_backend("aer" | "ibm:..." | ...)`).
- Readouts (`readout`): measurement settings, outcome distributions, readout error, values.
- Mitigation: `ReadoutMitigation` (`mitigation`: calibration circuits, full or tensored
  assignment matrices) and `ZNE` (`zne`: global and local folding, Richardson, linear and
  exponential extrapolation; `FoldPass` folds every block of an IR graph).
- `noisy_expectations` and `with_noise` (`api`): the functions to call.

    >>> from pytket import Circuit
    >>> from qml_compiler.noise import noisy_expectations
    >>> c = Circuit(1).X(0)
    >>> noisy_expectations(c, {}, ["Z0"], noise="depol1=0.03")      # <Z> = -(1 - 4p/3)
    array([[-0.96]])
"""

from .api import NoisyRunner, block_bindings, noisy_expectations, with_noise
from .mitigation import ReadoutMitigation
from .model import NoiseModel
from .readout import pauli
from .simulator import Cost, Simulator
from .zne import ZNE, FoldPass, extrapolate, fold, fold_global, fold_local, noise_scale

__all__ = [
           "ZNE",
           "Cost",
           "FoldPass",
           "NoiseModel",
           "NoisyRunner",
           "ReadoutMitigation",
           "Simulator",
           "block_bindings",
           "extrapolate",
           "fold",
           "fold_global",
           "fold_local",
           "noise_scale",
           "noisy_expectations",
           "pauli",
           "with_noise",
]
