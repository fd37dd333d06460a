"""Targets: the hardware a block is compiled for (qubits, coupling map, native gates, errors).

A `Target` is plain data. The catalogue (`qmlc targets`) names the common shapes; any other
device comes from a JSON file (schema in docs/targets.md):

    >>> t = get_target("heavy-hex-27")
    >>> t.n_qubits, len(t.edges), t.gates
    (27, 28, ('cx', 'rz', 'sx', 'x'))
    >>> get_target("grid-3x4-cz").gates
    ('cz', 'rz', 'sx', 'x')
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field

import networkx as nx

from ..diagnostics import TargetError, did_you_mean

# --- native gates ------------------------------------------------------------------------------

NATIVE_GATES = {
    # name: (pytket OpType name, qubits)
    "cx": ("CX", 2), "cz": ("CZ", 2), "ecr": ("ECR", 2), "zzphase": ("ZZPhase", 2),
    "zzmax": ("ZZMax", 2), "xxphase": ("XXPhase", 2), "iswapmax": ("ISWAPMax", 2),
    "rz": ("Rz", 1), "rx": ("Rx", 1), "ry": ("Ry", 1), "sx": ("SX", 1), "sxdg": ("SXdg", 1),
    "x": ("X", 1), "y": ("Y", 1), "z": ("Z", 1), "h": ("H", 1), "s": ("S", 1), "sdg": ("Sdg", 1),
    "t": ("T", 1), "tdg": ("Tdg", 1), "phasedx": ("PhasedX", 1), "tk1": ("TK1", 1),
    "u3": ("U3", 1), "u1": ("U1", 1), "u2": ("U2", 1),
}
"""Gate names a target may list, with pytket's operation type and arity."""

IBM_GATES = ("cx", "rz", "sx", "x")
IBM_CZ_GATES = ("cz", "rz", "sx", "x")
ION_GATES = ("zzphase", "phasedx", "rz")

# IBM Falcon r4 (ibmq_montreal, as in Qiskit's FakeMontrealV2), undirected: 27 qubits, 28 couplers.
FALCON27_EDGES = (
    (0, 1), (1, 2), (1, 4), (2, 3), (3, 5), (4, 7), (5, 8), (6, 7), (7, 10), (8, 9),
    (8, 11), (10, 12), (11, 14), (12, 13), (12, 15), (13, 14), (14, 16), (15, 18),
    (16, 19), (17, 18), (18, 21), (19, 20), (19, 22), (21, 23), (22, 25), (23, 24),
    (24, 25), (25, 26))


def eagle127_edges() -> tuple[tuple[int, int], ...]:
    """IBM Eagle r1 (ibm_washington, as in Qiskit's FakeWashingtonV2): 127 qubits, 142 couplers.

    Seven rows of 14 or 15 qubits joined by columns of four bridge qubits; the device lacks
    the couplers 8-9 and 109-114 that the ideal lattice has, and so does this map (as the
    routing anchors of `shared/anchors/routing.md` do)."""
    rows = [range(14), range(18, 33), range(37, 52), range(56, 71), range(75, 90),
            range(94, 109), range(113, 127)]
    edges = [(r[i], r[i + 1]) for r in rows for i in range(len(r) - 1) if (r[i], r[i + 1]) != (8, 9)]
    bridges = {14: (0, 18), 15: (4, 22), 16: (8, 26), 17: (12, 30),
               33: (20, 39), 34: (24, 43), 35: (28, 47), 36: (32, 51),
               52: (37, 56), 53: (41, 60), 54: (45, 64), 55: (49, 68),
               71: (58, 77), 72: (62, 81), 73: (66, 85), 74: (70, 89),
               90: (75, 94), 91: (79, 98), 92: (83, 102), 93: (87, 106),
               109: (96, None), 110: (100, 118), 111: (104, 122), 112: (108, 126)}
    for b, (up, down) in bridges.items():
        edges.append((up, b))
        if down is not None:
            edges.append((b, down))
    return tuple(sorted((min(a, b), max(a, b)) for a, b in edges))


# --- error rates -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErrorRates:
    """Error probabilities of a device: per one-qubit gate, per two-qubit gate and per readout.

    Each is a default, optionally refined per qubit (`*_by_qubit`) or per coupler
    (`gate_2q_by_edge`, keys sorted pairs). Readout error is the probability that a measured bit
    is reported flipped."""

    gate_1q: float = 0.0
    gate_2q: float = 0.0
    readout: float = 0.0
    gate_1q_by_qubit: tuple[tuple[int, float], ...] = ()
    gate_2q_by_edge: tuple[tuple[tuple[int, int], float], ...] = ()
    readout_by_qubit: tuple[tuple[int, float], ...] = ()

    def q1(self, q: int) -> float:
        return dict(self.gate_1q_by_qubit).get(q, self.gate_1q)

    def q2(self, a: int, b: int) -> float:
        return dict(self.gate_2q_by_edge).get((min(a, b), max(a, b)), self.gate_2q)

    def meas(self, q: int) -> float:
        return dict(self.readout_by_qubit).get(q, self.readout)

    def to_json(self) -> dict:
        out: dict = {"gate_1q": self.gate_1q, "gate_2q": self.gate_2q, "readout": self.readout}
        if self.gate_1q_by_qubit:
            out["gate_1q_by_qubit"] = {str(q): e for q, e in self.gate_1q_by_qubit}
        if self.gate_2q_by_edge:
            out["gate_2q_by_edge"] = [[a, b, e] for (a, b), e in self.gate_2q_by_edge]
        if self.readout_by_qubit:
            out["readout_by_qubit"] = {str(q): e for q, e in self.readout_by_qubit}
        return out


IBM_HEAVY_HEX_ERRORS = ErrorRates(gate_1q=3e-4, gate_2q=1e-2, readout=2e-2)
"""Typical published figures for IBM heavy-hex devices (one-qubit gate ~3e-4, CX ~1e-2, readout
~2e-2), used by the catalogue's heavy-hex targets for success estimates."""


# --- targets -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A device: `edges` are undirected couplers (None: every pair is coupled); `gates` the
    native gate names (None: no rebase, the `ideal` target)."""

    name: str
    n_qubits: int
    edges: tuple[tuple[int, int], ...] | None
    gates: tuple[str, ...] | None
    description: str = ""
    errors: ErrorRates | None = None
    source: str | None = None  # the JSON file it came from
    _graph: object = field(default=None, compare=False, repr=False)

    @property
    def all_to_all(self) -> bool:
        return self.edges is None

    @property
    def connectivity(self) -> str:
        if self.edges is None:
            return "all-to-all"
        return f"{len(self.edges)} couplers"

    def graph(self) -> nx.Graph:
        """The coupling graph (complete where the target is all-to-all)."""
        if self._graph is None:
            g = nx.Graph()
            g.add_nodes_from(range(self.n_qubits))
            if self.edges is None:
                g.add_edges_from((a, b) for a in range(self.n_qubits) for b in range(a + 1, self.n_qubits))
            else:
                g.add_edges_from(self.edges)
            object.__setattr__(self, "_graph", g)
        return self._graph

    def architecture(self):
        """pytket's view of the coupling map: an `Architecture`, or `FullyConnected`."""
        from pytket.architecture import Architecture, FullyConnected
        from pytket.circuit import Node

        if self.edges is None:
            return FullyConnected(self.n_qubits)
        return Architecture([(Node(a), Node(b)) for a, b in self.edges])

    def optypes(self) -> set | None:
        """The native gates as pytket OpTypes (None for no rebase)."""
        from pytket.circuit import OpType

        if self.gates is None:
            return None
        return {getattr(OpType, NATIVE_GATES[g][0]) for g in self.gates}

    @property
    def two_qubit_gates(self) -> tuple[str, ...]:
        return tuple(g for g in self.gates or () if NATIVE_GATES[g][1] == 2)

    def key(self) -> str:
        """A stable identity for compile caches: name plus everything that changes compilation."""
        return json.dumps([self.name, self.n_qubits, self.edges, self.gates], separators=(",", ":"))

    def to_json(self) -> dict:
        out: dict = {"name": self.name, "qubits": self.n_qubits,
                     "edges": [list(e) for e in self.edges] if self.edges is not None else "all-to-all",
                     "gates": list(self.gates) if self.gates is not None else None,
                     "description": self.description}
        if self.errors is not None:
            out["errors"] = self.errors.to_json()
        return out


def _line(n: int) -> tuple:
    return tuple((i, i + 1) for i in range(n - 1))


def _ring(n: int) -> tuple:
    return _line(n) + ((0, n - 1),) if n > 2 else _line(n)


def _grid(rows: int, cols: int) -> tuple:
    e = []
    for r in range(rows):
        for c in range(cols):
            q = r * cols + c
            if c + 1 < cols:
                e.append((q, q + 1))
            if r + 1 < rows:
                e.append((q, q + cols))
    return tuple(e)


MAX_CATALOGUE_QUBITS = 1024

CATALOGUE = {
    "line-N": "N qubits in a line, IBM gates (cx, rz, sx, x)",
    "ring-N": "N qubits in a ring, IBM gates (cx, rz, sx, x)",
    "grid-RxC": "R x C square grid, IBM gates (cx, rz, sx, x)",
    "grid-RxC-cz": "R x C square grid, gates cz, rz, sx, x",
    "heavy-hex-27": "IBM Falcon r4 heavy-hex (ibmq_montreal's map), IBM gates, typical IBM error rates",
    "heavy-hex-127": "IBM Eagle r1 heavy-hex (ibm_washington's map), IBM gates, typical IBM error rates",
    "ions-N": "N trapped ions, all-to-all, Quantinuum-style gates (zzphase, phasedx, rz)",
    "ideal": "all-to-all, any number of qubits, no rebase (the logical gates)",
}
"""The catalogue's name patterns; `qmlc targets` lists them with examples."""

EXAMPLES = ("line-8", "ring-8", "grid-3x3", "grid-6x6-cz", "heavy-hex-27", "heavy-hex-127",
            "ions-20", "ideal")


def _sized(n: str, name: str) -> int:
    value = int(n)
    if not 1 <= value <= MAX_CATALOGUE_QUBITS:
        raise TargetError(f"target `{name}`: {value} qubits is outside 1..{MAX_CATALOGUE_QUBITS}")
    return value


def catalogue_target(name: str) -> Target:
    """A target of the catalogue by name (`line-8`, `grid-3x4-cz`, `heavy-hex-27`, ...)."""
    if name == "ideal":
        return Target("ideal", MAX_CATALOGUE_QUBITS, None, None, CATALOGUE["ideal"])
    if name == "heavy-hex-27":
        return Target(name, 27, FALCON27_EDGES, IBM_GATES, CATALOGUE[name], IBM_HEAVY_HEX_ERRORS)
    if name == "heavy-hex-127":
        return Target(name, 127, eagle127_edges(), IBM_GATES, CATALOGUE[name], IBM_HEAVY_HEX_ERRORS)
    m = re.fullmatch(r"(line|ring|ions)-(\d+)", name)
    if m:
        n = _sized(m.group(2), name)
        kind = m.group(1)
        if kind == "ions":
            return Target(name, n, None, ION_GATES, f"{n} trapped ions, all-to-all, gates zzphase, phasedx, rz")
        edges = _line(n) if kind == "line" else _ring(n)
        return Target(name, n, edges, IBM_GATES, f"{n} qubits in a {kind}, gates cx, rz, sx, x")
    m = re.fullmatch(r"grid-(\d+)x(\d+)(-cz)?", name)
    if m:
        r, c = int(m.group(1)), int(m.group(2))
        _sized(str(r * c), name)
        if r < 1 or c < 1:
            raise TargetError(f"target `{name}`: a grid needs at least one row and one column")
        gates = IBM_CZ_GATES if m.group(3) else IBM_GATES
        return Target(name, r * c, _grid(r, c), gates,
                      f"{r} x {c} grid, gates {', '.join(gates)}")
    known = ["ideal", "heavy-hex-27", "heavy-hex-127", "line-8", "ring-8", "grid-3x3", "grid-3x3-cz",
             "ions-8"]
    hint = did_you_mean(name, known)
    raise TargetError(f"unknown target `{name}`",
                      hint=(hint + " " if hint else "") +
                      "catalogue: " + ", ".join(CATALOGUE) + " (`qmlc targets` lists them), "
                      "or a device file `path/to/device.json`")


def get_target(spec) -> Target:
    """A target from a `Target`, a catalogue name, or a path to a JSON device file."""
    if isinstance(spec, Target):
        return spec
    if not isinstance(spec, str) or not spec:
        raise TargetError(f"a target is a catalogue name or a .json file, not {spec!r}")
    if spec.endswith(".json") or os.sep in spec or os.path.exists(spec):
        return load_target_file(spec)
    return catalogue_target(spec)


# --- device files ------------------------------------------------------------------------------

DEVICE_KEYS = {"name", "qubits", "edges", "gates", "directed", "description", "errors"}
ERROR_KEYS = {"gate_1q", "gate_2q", "readout", "gate_1q_by_qubit", "gate_2q_by_edge", "readout_by_qubit"}


def load_target_file(path: str) -> Target:
    """A target from a JSON device file; every mistake names the file and the field."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise TargetError(f"no such target file: `{path}`",
                          hint="a target is a catalogue name (`qmlc targets`) or a JSON device file")
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        raise TargetError(f"cannot read target file `{path}`: {e}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TargetError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}",
                          hint="docs/targets.md shows the format of a device file")
    return target_from_json(data, path)


def target_from_json(data, where: str = "<device>") -> Target:
    def fail(msg, hint=None):
        raise TargetError(f"{where}: {msg}", hint=hint or "docs/targets.md shows the format of a device file")

    if not isinstance(data, dict):
        fail("a device file holds one JSON object")
    unknown = sorted(set(data) - DEVICE_KEYS)
    if unknown:
        fail(f"unknown field `{unknown[0]}`", did_you_mean(unknown[0], DEVICE_KEYS)
             or "fields: " + ", ".join(sorted(DEVICE_KEYS)))
    n = data.get("qubits")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        fail(f"`qubits` must be a positive integer, got {n!r}")
    name = data.get("name", os.path.splitext(os.path.basename(where))[0])
    if not isinstance(name, str) or not name:
        fail("`name` must be a non-empty string")
    gates = data.get("gates")
    if gates is not None:
        if not isinstance(gates, list) or not gates or not all(isinstance(g, str) for g in gates):
            fail("`gates` must be a non-empty list of gate names", "for example [\"cx\", \"rz\", \"sx\", \"x\"]")
        gates = [g.lower() for g in gates]
        for g in gates:
            if g not in NATIVE_GATES:
                fail(f"unknown gate `{g}` in `gates`", did_you_mean(g, NATIVE_GATES)
                     or "known gates: " + ", ".join(NATIVE_GATES))
        if not any(NATIVE_GATES[g][1] == 2 for g in gates) and n > 1:
            fail("`gates` has no two-qubit gate, so nothing could entangle qubits",
                 "add one of " + ", ".join(g for g, (_, k) in NATIVE_GATES.items() if k == 2))
        if not any(NATIVE_GATES[g][1] == 1 for g in gates):
            fail("`gates` has no one-qubit gate", "for example rz, sx and x")
        gates = tuple(dict.fromkeys(gates))
    edges = data.get("edges", "all-to-all")
    if edges == "all-to-all":
        edges = None
    else:
        if not isinstance(edges, list):
            fail("`edges` must be a list of [a, b] pairs, or \"all-to-all\"")
        seen = set()
        for k, e in enumerate(edges):
            if (not isinstance(e, list) or len(e) != 2
                    or not all(isinstance(q, int) and not isinstance(q, bool) for q in e)):
                fail(f"edge {k} is {e!r}: an edge is a pair of qubit numbers [a, b]")
            a, b = e
            for q in (a, b):
                if not 0 <= q < n:
                    fail(f"edge {k} [{a}, {b}] names qubit {q}, but the device has qubits 0..{n - 1}")
            if a == b:
                fail(f"edge {k} [{a}, {b}] joins a qubit to itself")
            seen.add((min(a, b), max(a, b)))
        edges = tuple(sorted(seen))
        if n > 1 and not edges:
            fail("`edges` is empty: no two qubits could interact")
    errors = _errors_from_json(data.get("errors"), n, edges, fail)
    return Target(name, n, edges, gates, data.get("description", f"device file {where}"), errors,
                  source=where)


def _errors_from_json(e, n, edges, fail) -> ErrorRates | None:
    if e is None:
        return None
    if not isinstance(e, dict):
        fail("`errors` must be an object with gate_1q, gate_2q, readout ...")
    unknown = sorted(set(e) - ERROR_KEYS)
    if unknown:
        fail(f"unknown field `errors.{unknown[0]}`", did_you_mean(unknown[0], ERROR_KEYS)
             or "fields: " + ", ".join(sorted(ERROR_KEYS)))

    def prob(v, what):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or not 0 <= v <= 1:
            fail(f"`{what}` must be a probability between 0 and 1, got {v!r}")
        return float(v)

    def by_qubit(key):
        m = e.get(key, {})
        if not isinstance(m, dict):
            fail(f"`errors.{key}` maps qubit numbers (as strings) to probabilities")
        out = []
        for q, v in m.items():
            if not str(q).isdigit() or not 0 <= int(q) < n:
                fail(f"`errors.{key}` names qubit {q!r}, but the device has qubits 0..{n - 1}")
            out.append((int(q), prob(v, f"errors.{key}.{q}")))
        return tuple(sorted(out))

    by_edge = []
    for k, item in enumerate(e.get("gate_2q_by_edge", [])):
        if not isinstance(item, list) or len(item) != 3:
            fail(f"`errors.gate_2q_by_edge[{k}]` must be [a, b, probability]")
        a, b, v = item
        pair = (min(a, b), max(a, b)) if isinstance(a, int) and isinstance(b, int) else None
        if pair is None or (edges is not None and pair not in edges):
            fail(f"`errors.gate_2q_by_edge[{k}]` names [{a}, {b}], which is not an edge of the device")
        by_edge.append((pair, prob(v, f"errors.gate_2q_by_edge[{k}]")))
    return ErrorRates(prob(e.get("gate_1q", 0.0), "errors.gate_1q"), prob(e.get("gate_2q", 0.0), "errors.gate_2q"),
                      prob(e.get("readout", 0.0), "errors.readout"), by_qubit("gate_1q_by_qubit"),
                      tuple(sorted(by_edge)), by_qubit("readout_by_qubit"))


def require_connected(target: Target) -> None:
    """Routing needs a path between any two qubits."""
    if target.edges is None:
        return
    parts = list(nx.connected_components(target.graph()))
    if len(parts) > 1:
        parts.sort(key=len, reverse=True)
        where = f" ({target.source})" if target.source else ""
        raise TargetError(f"target `{target.name}`{where} is not connected: {len(parts)} separate parts, "
                          f"e.g. qubits {sorted(parts[0])[:6]} and {sorted(parts[1])[:6]}",
                          hint="routing needs every qubit reachable; add the missing couplers or "
                               "remove the qubits nothing reaches")
