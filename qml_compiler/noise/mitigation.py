"""Readout-error mitigation from calibration circuits.

The executor runs circuits that prepare known basis states on the measured qubits (X gates on
the qubits that should read 1, nothing else) and measures them; the frequencies form the
assignment matrix A[m, x] = P(read m | prepared x). A measured distribution p is then corrected to
A^-1 p, which is unbiased (it may leave small negative entries; `clip=True` projects onto
probabilities, for `probs` readouts).

- `full`: one circuit per basis state of the measured qubits (2**k), one matrix over all of them:
  captures correlated readout errors; k is limited to 12.
- `tensored`: two circuits (all 0, all 1) giving one 2x2 matrix per qubit: assumes readout errors
  of different qubits are independent (as the noise model here does; devices mostly are).

Calibration runs through the same executor as the circuits it corrects, so X-gate noise on the
device is part of what it measures, as on hardware. Its cost (circuits, shots) is counted by the
executor and is paid once per set of measured qubits, not per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pytket import Circuit

from ..diagnostics import ConfigError, LimitError
from .readout import apply_per_qubit, marginal

MAX_FULL_QUBITS = 12


def calibration_circuits(circuit: Circuit, positions: list[int], method: str) -> list[tuple[Circuit, int]]:
    """(circuit, prepared basis index) pairs on the qubits of `circuit`: X on the positions whose
    bit is 1 (first listed position = most significant bit)."""
    k = len(positions)
    states = [0, 2 ** k - 1] if method == "tensored" else list(range(2 ** k))
    out = []
    for x in states:
        c = Circuit()
        for q in circuit.qubits:
            c.add_qubit(q)
        for i, pos in enumerate(positions):
            if (x >> (k - 1 - i)) & 1:
                c.X(circuit.qubits[pos])
        out.append((c, x))
    return out


@dataclass
class ReadoutMitigation:
    """Readout-error mitigation: `method` full or tensored, calibration `shots` (None: exact
    distributions, as a simulator can give), `clip` negative probabilities after correction."""

    method: str = "tensored"
    shots: int | None = None
    clip: bool = False
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.method not in ("full", "tensored"):
            raise ConfigError(f"unknown readout mitigation `{self.method}`", hint="choose full or tensored")

    def calibrate(self, executor, circuit: Circuit, positions: list[int]):
        """Assignment matrices for the measured `positions` of `circuit` (cached per qubit set and
        device qubits): a list of 2x2 (tensored) or one 2**k x 2**k matrix (full)."""
        key = (self.method, tuple(circuit.qubits[p] for p in positions))
        if key in self._cache:
            return self._cache[key]
        k = len(positions)
        if self.method == "full" and k > MAX_FULL_QUBITS:
            raise LimitError(f"full readout calibration of {k} qubits needs {2 ** k} circuits",
                             hint="use tensored readout mitigation")
        setting = tuple((p, "Z") for p in positions)
        cols = []
        for c, _ in calibration_circuits(circuit, positions, self.method):
            cols.append(executor.run(c, {}, [setting], shots=self.shots, batch=1)[0][0])
        if self.method == "full":
            A = np.stack(cols, axis=1)
            result = A
        else:
            zero, one = cols[0][None], cols[1][None]
            result = []
            for i in range(k):
                m0, m1 = marginal(zero, [i])[0], marginal(one, [i])[0]
                result.append(np.stack([m0, m1], axis=1))
        self._cache[key] = result
        return result

    def correct(self, dist: np.ndarray, calibration, axes: list[int] | None = None) -> np.ndarray:
        """Corrected (batch, 2**m) distributions over the calibrated qubits `axes` (indices into
        the calibrated positions, in the distribution's bit order; all of them by default)."""
        if self.method == "full":
            if axes is not None and list(axes) != list(range(len(axes))):
                raise ConfigError("full readout calibration covers exactly the qubits it was run on")
            out = dist @ np.linalg.inv(calibration).T
        else:
            mats = calibration if axes is None else [calibration[a] for a in axes]
            out = apply_per_qubit(dist, [np.linalg.inv(A) for A in mats])
        if self.clip:
            out = np.clip(out, 0, None)
            out = out / out.sum(axis=1, keepdims=True)
        return out

    def circuits_needed(self, k: int) -> int:
        return 2 if self.method == "tensored" else 2 ** k
