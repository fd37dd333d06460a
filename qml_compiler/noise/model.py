"""Noise models: plain data saying which error channel follows which gate, and how readout errs.

A `NoiseModel` names, per gate, the probability of a depolarising (Pauli) error and the strength
of amplitude and phase damping, and per measured qubit the probability that its bit is reported
flipped. It comes from a target's error rates (`NoiseModel.from_target`), from a short spec
string (`NoiseModel.parse("depol1=3e-4,depol2=1e-2,readout=2e-2")`, as a command line gives
it), or is written out directly.

Conventions (the simulators, the Qiskit Aer translation and the tests all use these):

- `depol1 = p`: after every noisy one-qubit gate, one of X, Y, Z hits the qubit with
  probability p/3 each. `depol2 = p`: after every noisy two-qubit gate, one of the 15
  non-identity two-qubit Paulis hits with probability p/15 each. p is the Pauli error
  probability; Qiskit's `depolarizing_error(lam, n)` has lam = p * 4**n / (4**n - 1).
- A target's published gate error is an average gate infidelity r (what randomised
  benchmarking measures); the depolarising channel with that infidelity has
  p = r * (d + 1) / d with d = 2**n, so `from_target` sets p1 = 1.5 r1 and p2 = 1.25 r2.
- `amp = gamma`, `phase = lam`: amplitude damping (|1> decays to |0> with probability gamma) and
  phase damping (coherences shrink by sqrt(1 - lam)) on every qubit a noisy gate acts on, after
  the gate and its depolarising error.
- `readout01` is P(read 1 | state 0), `readout10` is P(read 0 | state 1); `readout = p` sets both.
- Gates in `virtual` carry no error: `Rz` by default, because superconducting devices apply it
  as a change of reference frame in software. Barriers carry none either.

Per-qubit and per-coupler figures (from a device file) refine the defaults; qubit numbers are
those of the circuit's qubits (physical qubits on a compiled circuit).

    >>> nm = NoiseModel.parse("depol1=3e-4,depol2=1e-2,readout=2e-2")
    >>> nm.p1(0), nm.p2(0, 1), nm.readout_probs(5)
    (0.0003, 0.01, (0.02, 0.02))
    >>> NoiseModel.from_target("heavy-hex-27").p2(0, 1)
    0.0125
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar

from ..diagnostics import ConfigError, did_you_mean


@dataclass(frozen=True)
class NoiseModel:
    depol1: float = 0.0
    depol2: float = 0.0
    amp: float = 0.0
    phase: float = 0.0
    readout01: float = 0.0
    readout10: float = 0.0
    depol1_by_qubit: tuple[tuple[int, float], ...] = ()
    depol2_by_edge: tuple[tuple[tuple[int, int], float], ...] = ()
    readout_by_qubit: tuple[tuple[int, float], ...] = ()
    virtual: tuple[str, ...] = ("Rz",)
    source: str = field(default="", compare=False)

    def __post_init__(self):
        for f in ("depol1", "depol2", "amp", "phase", "readout01", "readout10"):
            _check_prob(getattr(self, f), f)
        for q, p in self.depol1_by_qubit + self.readout_by_qubit:
            _check_prob(p, f"qubit {q}")
        for e, p in self.depol2_by_edge:
            _check_prob(p, f"coupler {e}")
        # Lookups are hot (once per gate); dicts are built once.
        object.__setattr__(self, "_p1", dict(self.depol1_by_qubit))
        object.__setattr__(self, "_p2", {tuple(sorted(e)): p for e, p in self.depol2_by_edge})
        object.__setattr__(self, "_ro", dict(self.readout_by_qubit))

    # ---- per gate and per qubit -------------------------------------------------------------------

    def p1(self, q: int) -> float:
        """Pauli error probability after a one-qubit gate on qubit q."""
        return self._p1.get(q, self.depol1)

    def p2(self, a: int, b: int) -> float:
        """Pauli error probability after a two-qubit gate on qubits a, b."""
        return self._p2.get((min(a, b), max(a, b)), self.depol2)

    def readout_probs(self, q: int) -> tuple[float, float]:
        """(P(read 1 | 0), P(read 0 | 1)) of qubit q."""
        if q in self._ro:
            return (self._ro[q], self._ro[q])
        return (self.readout01, self.readout10)

    @property
    def has_gate_noise(self) -> bool:
        return bool(self.depol1 or self.depol2 or self.amp or self.phase or self.depol1_by_qubit
                    or self.depol2_by_edge)

    @property
    def has_readout_noise(self) -> bool:
        return bool(self.readout01 or self.readout10 or any(p for _, p in self.readout_by_qubit))

    @property
    def is_ideal(self) -> bool:
        return not (self.has_gate_noise or self.has_readout_noise)

    def without_readout(self) -> NoiseModel:
        return replace(self, readout01=0.0, readout10=0.0, readout_by_qubit=())

    def without_gates(self) -> NoiseModel:
        return replace(self, depol1=0.0, depol2=0.0, amp=0.0, phase=0.0, depol1_by_qubit=(),
                       depol2_by_edge=())

    # ---- construction ----------------------------------------------------------------------------

    @classmethod
    def from_target(cls, target) -> NoiseModel:
        """The noise of a target (a `Target`, catalogue name or device file) from its error rates.

        Gate errors are read as average gate infidelities and turned into depolarising
        probabilities (p1 = 1.5 r1, p2 = 1.25 r2); readout errors are symmetric flips."""
        from ..quantum.targets import get_target

        t = get_target(target)
        e = t.errors
        if e is None:
            raise ConfigError(f"target `{t.name}` has no error rates",
                              hint="use a device file with an `errors` field (docs/targets.md), a target "
                                   "such as heavy-hex-27, or give the rates: depol1=...,depol2=...,readout=...")
        return cls(depol1=_p_from_infidelity(e.gate_1q, 1), depol2=_p_from_infidelity(e.gate_2q, 2),
                   readout01=e.readout, readout10=e.readout,
                   depol1_by_qubit=tuple((q, _p_from_infidelity(r, 1)) for q, r in e.gate_1q_by_qubit),
                   depol2_by_edge=tuple((ab, _p_from_infidelity(r, 2)) for ab, r in e.gate_2q_by_edge),
                   readout_by_qubit=tuple(e.readout_by_qubit), source=f"target {t.name}")

    SPEC_KEYS: ClassVar[dict] = {"depol1": "depol1", "depol2": "depol2", "amp": "amp", "phase": "phase",
                 "readout": None, "readout01": "readout01", "readout10": "readout10",
                 "virtual": "virtual"}

    @classmethod
    def parse(cls, spec: str) -> NoiseModel:
        """A model from a spec: `depol1=3e-4,depol2=1e-2,readout=2e-2` (keys: depol1, depol2, amp,
        phase, readout, readout01, readout10, virtual=Rz+...), a target name or device file
        (`heavy-hex-27`, `dev.json`), or a target followed by overrides
        (`heavy-hex-27,readout=0`); `none` or `ideal` for no noise."""
        if not isinstance(spec, str) or not spec.strip():
            raise ConfigError("empty noise spec", hint="for example depol1=3e-4,depol2=1e-2,readout=2e-2")
        parts = [p.strip() for p in spec.split(",") if p.strip()]
        base = cls(source=spec)
        if parts and "=" not in parts[0]:
            head = parts.pop(0)
            if head.lower() not in ("none", "ideal"):
                base = cls.from_target(head)
        changes: dict = {}
        for p in parts:
            key, sep, value = p.partition("=")
            key = key.strip().lower()
            if not sep:
                raise ConfigError(f"noise spec `{spec}`: `{p}` is not key=value",
                                  hint="for example depol1=3e-4,depol2=1e-2,readout=2e-2")
            if key not in cls.SPEC_KEYS:
                raise ConfigError(f"noise spec `{spec}`: unknown key `{key}`",
                                  hint=did_you_mean(key, cls.SPEC_KEYS) or "keys: " + ", ".join(cls.SPEC_KEYS))
            if key == "virtual":
                changes["virtual"] = tuple(v for v in value.strip().split("+") if v)
                continue
            try:
                x = float(value)
            except ValueError:
                raise ConfigError(f"noise spec `{spec}`: `{key}` must be a number, got `{value}`") from None
            _check_prob(x, key, spec)
            if key == "readout":
                changes.update(readout01=x, readout10=x, readout_by_qubit=())
            else:
                changes[cls.SPEC_KEYS[key]] = x
                if key == "depol1":
                    changes["depol1_by_qubit"] = ()
                elif key == "depol2":
                    changes["depol2_by_edge"] = ()
        return replace(base, source=spec, **changes)

    @classmethod
    def get(cls, spec) -> NoiseModel:
        """A `NoiseModel` as given, or parsed from a spec string; None is no noise."""
        if spec is None:
            return cls()
        if isinstance(spec, NoiseModel):
            return spec
        return cls.parse(spec)

    def to_json(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "source"}
        out["depol1_by_qubit"] = {str(q): p for q, p in self.depol1_by_qubit}
        out["depol2_by_edge"] = [[a, b, p] for (a, b), p in self.depol2_by_edge]
        out["readout_by_qubit"] = {str(q): p for q, p in self.readout_by_qubit}
        out["virtual"] = list(self.virtual)
        return out

    @classmethod
    def from_json(cls, d: dict) -> NoiseModel:
        """The model `to_json` wrote (a checkpoint records the noise a run was trained under)."""
        try:
            known = {f.name for f in fields(cls)} - {"source"}
            unknown = set(d) - known
            if unknown:
                raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
            kw = {k: v for k, v in d.items() if k not in ("depol1_by_qubit", "depol2_by_edge",
                                                          "readout_by_qubit", "virtual")}
            kw["depol1_by_qubit"] = tuple((int(q), float(p)) for q, p in d.get("depol1_by_qubit", {}).items())
            kw["depol2_by_edge"] = tuple(((int(a), int(b)), float(p)) for a, b, p in d.get("depol2_by_edge", []))
            kw["readout_by_qubit"] = tuple((int(q), float(p)) for q, p in d.get("readout_by_qubit", {}).items())
            kw["virtual"] = tuple(str(v) for v in d.get("virtual", ("Rz",)))
            return cls(**kw)
        except (TypeError, ValueError, AttributeError) as e:
            raise ConfigError(f"not a noise model: {e}",
                              hint="give a spec such as depol1=3e-4,depol2=1e-2,readout=2e-2") from None

    def __str__(self) -> str:
        bits = [f"{k}={getattr(self, k):g}" for k in ("depol1", "depol2", "amp", "phase") if getattr(self, k)]
        if self.readout01 == self.readout10:
            if self.readout01:
                bits.append(f"readout={self.readout01:g}")
        else:
            bits += [f"readout01={self.readout01:g}", f"readout10={self.readout10:g}"]
        extra = len(self.depol1_by_qubit) + len(self.depol2_by_edge) + len(self.readout_by_qubit)
        if extra:
            bits.append(f"(+{extra} per-qubit/coupler figures)")
        return ",".join(bits) or "none"


def _p_from_infidelity(r: float, n: int) -> float:
    d = 2 ** n
    return min(r * (d + 1) / d, 1.0)


def _check_prob(x, what, spec=None) -> None:
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) or not 0 <= x <= 1:
        where = f"noise spec `{spec}`: " if spec else ""
        raise ConfigError(f"{where}`{what}` must be a probability between 0 and 1, got {x!r}")
