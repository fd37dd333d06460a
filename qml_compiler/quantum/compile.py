"""Compile one parametric circuit for a target: optimise, place, route, rebase, clean up.

The circuit keeps its symbols all the way through, so a block is compiled once and its parameters
and data are bound late, at every training step, with no recompilation. Results are cached by a
structural hash of the circuit, the target and the options (in memory, and on disk under
`~/.cache/qml_compiler/compiled/`), so a second run of the same model compiles nothing.

    >>> cc = compile_circuit(block.circuit, get_target("heavy-hex-27"))
    >>> cc.circuit                       # the native circuit on physical qubits
    >>> cc.initial_map, cc.final_map     # logical qubit -> physical qubit, before and after
    >>> cc.stages["routed"]              # also "logical", "optimised", "native"

Stages: `logical` is the circuit as given; `optimised` after the level's passes; `routed` placed
and routed on the coupling map with SWAPs decomposed into the target's two-qubit gate; `native`
rebased to the target's gates and cleaned up. Placement tries the shapes that hybrid-model
circuits have (`placement.py`) beside pytket's graph and line placements, routes each, and keeps
the best; the report records which won.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from dataclasses import dataclass, field

from pytket import Circuit, OpType
from pytket.circuit import Node, Qubit
from pytket.passes import (
    AutoRebase,
    AutoSquash,
    BasePass,
    DecomposeSwapsToCXs,
    RemoveRedundancies,
    RoutingPass,
)
from pytket.predicates import CompilationUnit

from ..diagnostics import TargetError
from . import levels
from .placement import _fill, ansatz_placements, dense_line_placements, interaction_graph, is_dense, is_fan
from .targets import Target, get_target, require_connected

STAGES = ("logical", "optimised", "routed", "native")
USER_PASS_POINTS = ("optimise", "native")
"""Where a user's pytket pass runs: after the level's optimisation (before placement), or after
the rebase to native gates (it must then keep to the native gates and coupled pairs)."""

CACHE_VERSION = 1

PLACEMENTS = ("auto", "ansatz", "graph", "line", "sabre", "identity")
"""`auto` tries them all and keeps the best; the others force one kind of candidate."""


@dataclass
class CompiledCircuit:
    """A circuit compiled for a target, with what happened on the way."""

    target: Target
    opt_level: int
    stages: dict[str, Circuit]
    initial_map: dict[int, int]  # logical qubit index -> physical qubit it starts on
    final_map: dict[int, int]  # logical qubit index -> physical qubit its state ends on
    placement: str = "identity"
    swaps: int = 0
    times: dict[str, float] = field(default_factory=dict)
    candidates: list[dict] = field(default_factory=list)  # placements tried: name, 2q gates, swaps
    cached: bool = False

    @property
    def circuit(self) -> Circuit:
        return self.stages["native"]

    @property
    def physical_qubits(self) -> list[int]:
        """The physical qubits the compiled circuit uses, sorted."""
        return sorted({q.index[0] for q in self.circuit.qubits})

    def to_json(self) -> dict:
        return {"version": CACHE_VERSION, "target": self.target.key(), "opt_level": self.opt_level,
                "stages": {k: c.to_dict() for k, c in self.stages.items()},
                "initial_map": {str(k): v for k, v in self.initial_map.items()},
                "final_map": {str(k): v for k, v in self.final_map.items()},
                "placement": self.placement, "swaps": self.swaps, "times": self.times,
                "candidates": self.candidates}

    @staticmethod
    def from_json(d: dict, target: Target) -> CompiledCircuit:
        return CompiledCircuit(
            target, d["opt_level"], {k: Circuit.from_dict(c) for k, c in d["stages"].items()},
            {int(k): v for k, v in d["initial_map"].items()}, {int(k): v for k, v in d["final_map"].items()},
            d["placement"], d["swaps"], d["times"], d["candidates"], cached=True)


_MEMORY: dict[str, CompiledCircuit] = {}


def _code_hash() -> str:
    """A digest of this package's source, so that a changed compiler never reuses an old entry."""
    global _CODE_HASH
    if _CODE_HASH is None:
        h = hashlib.sha256()
        folder = os.path.dirname(os.path.abspath(__file__))
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + f.read())
        _CODE_HASH = h.hexdigest()
    return _CODE_HASH


_CODE_HASH: str | None = None


def cache_key(circuit: Circuit, target: Target, opt_level: int, seed: int, placement: str) -> str:
    import pytket

    from .. import __version__
    payload = json.dumps([CACHE_VERSION, __version__, _code_hash(), pytket.__version__, circuit.to_dict(),
                          target.key(), opt_level, seed, placement], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _cache_dir() -> str | None:
    if os.environ.get("QMLC_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "qml_compiler", "compiled")


def compile_circuit(circuit: Circuit, target, opt_level: int = 2, seed: int = 0,
                    placement: str = "auto", user_passes=(), cache: bool = True,
                    name: str | None = None, initial: dict[int, int] | None = None) -> CompiledCircuit:
    """Compile `circuit` (symbols allowed) for `target` (a `Target`, catalogue name or device
    file). `placement` is "auto" (try every candidate, keep the best), "ansatz", "graph", "line",
    "sabre" or "identity"; `initial` (logical qubit -> physical qubit) fixes the placement instead, as
    native entanglement does. `user_passes` are pytket passes, or (point, pass) pairs with point
    one of `USER_PASS_POINTS`. `name` names the circuit in errors."""
    target = get_target(target)
    what = f"block `{name}`" if name else "the circuit"
    if opt_level not in levels.LEVELS:
        raise TargetError(f"optimisation level {opt_level} does not exist", hint="choose 0, 1, 2 or 3")
    if placement not in PLACEMENTS:
        raise TargetError(f"unknown placement `{placement}`", hint="choose " + ", ".join(PLACEMENTS))
    if circuit.n_qubits > target.n_qubits:
        raise TargetError(f"{what} needs {circuit.n_qubits} qubits, but target `{target.name}` has "
                          f"{target.n_qubits}", hint="choose a larger target (`qmlc targets`) or a smaller block")
    require_connected(target)
    hooks = _user_passes(user_passes)
    key = None
    if cache and not hooks:
        key = cache_key(circuit, target, opt_level, seed,
                        placement if initial is None else sorted(initial.items()))
        hit = _MEMORY.get(key) or _load_cached(key, target)
        if hit is not None:
            _MEMORY[key] = hit
            return hit
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    logical = circuit.copy()
    optimised = circuit.copy()
    levels.optimise_pass(opt_level, _cx_like(target), circuit.n_gates,
                         symbolic=bool(circuit.free_symbols()), n_qubits=circuit.n_qubits).apply(optimised)
    for point, p in hooks:
        if point == "optimise":
            p.apply(optimised)
    # Passes may leave an implicit wire permutation (a SWAP absorbed by relabelling wires): route
    # the circuit without it and fold it into the final map, where it costs nothing.
    to_route, ends_on = _without_permutation(optimised)
    times["optimise"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if initial is not None:
        _check_initial(initial, circuit.n_qubits, target, what)
    again = not levels.resynthesises(opt_level, _cx_like(target), circuit.n_gates, bool(circuit.free_symbols()))
    result = _place_and_route(to_route, target, opt_level, seed, placement, initial, cleanup_unrouted=again)
    if ends_on is not None:
        result["final"] = {i: result["final"][ends_on[i]] for i in range(circuit.n_qubits)}
    times["route"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    native = result["routed"].copy()
    _to_native(native, target)
    for point, p in hooks:
        if point == "native":
            p.apply(native)
    times["rebase"] = time.perf_counter() - t0
    cc = CompiledCircuit(target, opt_level, {"logical": logical, "optimised": optimised,
                                              "routed": result["routed"], "native": native},
                         result["initial"], result["final"], result["name"], result["swaps"], times,
                         result["candidates"])
    if key is not None:
        _MEMORY[key] = cc
        _store_cached(key, cc)
    return cc


def _without_permutation(circ: Circuit) -> tuple[Circuit, list[int] | None]:
    """`circ` with its implicit wire permutation dropped, and where each qubit's state ends
    (logical qubit i ends on wire `ends_on[i]`); `circ` itself and None if it has none."""
    perm = circ.implicit_qubit_permutation()
    if all(a == b for a, b in perm.items()):
        return circ, None
    index = {q: k for k, q in enumerate(circ.qubits)}
    plain = Circuit(name=circ.name) if circ.name else Circuit()
    for q in circ.qubits:
        plain.add_qubit(q)
    for b in circ.bits:
        plain.add_bit(b)
    plain.add_phase(circ.phase)
    for cmd in circ.get_commands():
        plain.add_gate(cmd.op, cmd.args)
    # pytket's permutation maps a wire to the qubit whose state it ends with.
    ends_on = [0] * len(index)
    for q, k in index.items():
        ends_on[index[perm[q]]] = k
    return plain, ends_on


def _cx_like(target: Target) -> bool:
    """Whether CX-based resynthesis suits the target's entangling gate."""
    return target.gates is None or bool({"cx", "cz", "ecr"} & set(target.two_qubit_gates))


def _user_passes(user_passes) -> list[tuple[str, BasePass]]:
    out = []
    for item in user_passes or ():
        point, p = ("optimise", item) if isinstance(item, BasePass) else item
        if point not in USER_PASS_POINTS:
            raise TargetError(f"a user pass cannot run at `{point}`", hint="choose optimise or native")
        if not isinstance(p, BasePass):
            raise TargetError(f"{p!r} is not a pytket pass", hint="wrap a function in pytket.passes.CustomPass")
        out.append((point, p))
    return out


def _to_native(circ: Circuit, target: Target) -> None:
    if target.gates is None:
        RemoveRedundancies().apply(circ)
        return
    gates = target.optypes()
    AutoRebase(gates).apply(circ)
    one = {g for g in gates if g in _SQUASHABLE}
    if one:
        AutoSquash(one).apply(circ)
    RemoveRedundancies().apply(circ)
    # RemoveRedundancies may leave non-native phases folded into neighbours: rebase once more.
    AutoRebase(gates).apply(circ)


_SQUASHABLE = {OpType.Rz, OpType.Rx, OpType.Ry, OpType.SX, OpType.X, OpType.PhasedX, OpType.TK1,
               OpType.U3, OpType.U1, OpType.U2, OpType.H, OpType.Y, OpType.Z, OpType.S, OpType.Sdg,
               OpType.T, OpType.Tdg, OpType.SXdg}


def _renamed(circ: Circuit, placement: dict[int, int]) -> Circuit:
    c = circ.copy()
    index = {q: k for k, q in enumerate(circ.qubits)}
    c.rename_units({q: Node(placement[index[q]]) for q in circ.qubits})
    return c


def _route(circ: Circuit, placement: dict[int, int], target: Target, router: str = "lexi",
           seed: int = 0, coupling=None) -> dict:
    """Route from a complete placement with SWAPs decomposed: cheap (a few ms), so that many
    candidates can be tried; `finish` then cleans up the best ones. `router` is pytket's
    LexiRoute ("lexi") or our SABRE ("sabre", `sabre.py`); SABRE may be given a part of the
    coupling graph (`coupling`) to route on."""
    arch = target.architecture()
    if router == "sabre":
        from .sabre import sabre_route
        routed, final, swaps = sabre_route(circ, coupling if coupling is not None else target.graph(),
                                           placement, seed=seed,
                                           trials=ROUTE_TRIALS if circ.n_gates <= MANY_TRIALS_GATES else None)
    else:
        cu = CompilationUnit(_renamed(circ, placement))
        RoutingPass(arch).apply(cu)
        routed = cu.circuit
        swaps = routed.n_gates_of_type(OpType.SWAP)
        final = {logical: cu.final_map[Node(p)].index[0] for logical, p in placement.items()}
    DecomposeSwapsToCXs(arch).apply(routed)
    RemoveRedundancies().apply(routed)
    return {"routed": routed, "initial": dict(placement), "final": final, "swaps": swaps,
            "cost": (routed.n_2qb_gates(), routed.depth_2q(), routed.depth())}


def _finish(r: dict, target: Target, opt_level: int) -> dict:
    """Clean up a routed candidate (KAK merges SWAPs with CX from -O2) and measure it natively."""
    routed = r["routed"].copy()
    levels.cleanup_pass(opt_level, _cx_like(target)).apply(routed)
    _keep_only_used(routed, set(r["final"].values()))
    probe = routed.copy()
    _to_native(probe, target)
    return dict(r, routed=routed, cost=(probe.n_2qb_gates(), probe.depth_2q(), probe.depth()))


def _keep_only_used(circ: Circuit, keep: set[int]) -> None:
    """Drop the device's idle qubits (routing adds them all), but keep every qubit a logical
    qubit ends on, idle or not, so that readouts find it."""
    circ.remove_blank_wires()
    present = {q.index[0] for q in circ.qubits}
    for p in sorted(keep - present):
        circ.add_qubit(Node(p))


GRAPH_MAX_QUBITS = 16
"""Wider circuits get no GraphPlacement candidate under `auto`: on the routing benchmark's
27-qubit circuits (random, QAOA, graph state, rings on heavy-hex-27 and line-27) and the 100-qubit
ring on heavy-hex-127 it never beat the other candidates once SABRE's layout ran enough trials,
and it took up to 60 s (random-27 on line-27: 50.8 s -> 5.3 s without it, same 713 CX)."""

GRAPH_MAX_QUBITS_ON_LINES = 8
"""The same on lines and rings, where matching a general interaction graph is hopeless and slow
(random-16 on line-27: 21 s in GraphPlacement, SABRE's layout won)."""

GRAPH_MAPS = 8
"""How many of GraphPlacement's best subgraph matches become candidates (measured on the routing
benchmark's 8-qubit circuits on heavy-hex-27: QAOA 112 -> 86 two-qubit gates with 8 instead of 1)."""


def _pytket_placements(kind: str, circ: Circuit, target: Target) -> list[dict[int, int]]:
    from pytket.placement import GraphPlacement, LinePlacement

    arch = target.architecture()
    try:
        if kind == "graph":
            # Bounded by match count, not a timeout: the same input gives the same placements
            # whatever the machine's load.
            placer = GraphPlacement(arch, maximum_matches=200, timeout=60000, maximum_pattern_gates=200)
            mappings = placer.get_placement_maps(circ, GRAPH_MAPS)
        else:
            mappings = [LinePlacement(arch).get_placement_map(circ)]
    except RuntimeError:
        return []
    index = {q: k for k, q in enumerate(circ.qubits)}
    out = []
    for mapping in mappings:
        placed = {index[q]: n.index[0] for q, n in mapping.items()
                  if q in index and isinstance(n, Node) and n.reg_name == "node"}
        if not placed:
            continue
        order = list(placed) + [q for q in range(circ.n_qubits) if q not in placed]
        out.append(_fill(order, [placed[q] for q in placed], target.graph()))
    return out


def _check_initial(initial: dict[int, int], n: int, target: Target, what: str) -> None:
    if sorted(initial) != list(range(n)) or len(set(initial.values())) != n or not all(
            0 <= p < target.n_qubits for p in initial.values()):
        raise TargetError(f"the fixed placement of {what} must map each of its {n} qubits to a distinct "
                          f"qubit of `{target.name}` (0..{target.n_qubits - 1}), got {initial}")


def _place_and_route(circ: Circuit, target: Target, opt_level: int, seed: int, placement: str,
                     initial: dict[int, int] | None = None, cleanup_unrouted: bool = True) -> dict:
    n = circ.n_qubits
    identity = {q: q for q in range(n)}
    if initial is not None and not target.all_to_all:
        r = _finish(_route(circ, dict(initial), target), target, opt_level)
        return dict(r, name="native", candidates=[{"placement": "native", "two_qubit_gates": r["cost"][0],
                                                   "swaps": r["swaps"]}])
    if target.all_to_all:
        c = _renamed(circ, identity)
        levels.cleanup_pass(opt_level if cleanup_unrouted else 0, _cx_like(target)).apply(c)
        return {"routed": c, "initial": identity, "final": dict(identity), "swaps": 0,
                "name": "identity", "candidates": []}
    coupling = target.graph()
    if not any(len(cmd.qubits) > 1 for cmd in circ.get_commands()):
        # Nothing interacts: any placement needs no SWAP; the first qubits will do.
        r = _finish(_route(circ, identity, target), target, opt_level)
        return dict(r, name="identity", candidates=[])
    # Every placement is routed by LexiRoute (a few ms); SABRE (ours, in Python, slower) routes
    # its own layout, the shape-aware ones and the two best of the rest. A placement that adds
    # no two-qubit gate at all (no SWAP and no bridge) cannot be beaten: the search stops there.
    routed, tried, seen = [], [], set()
    base = circ.n_2qb_gates()

    def free(r: dict) -> bool:
        return r["cost"][0] <= base

    def attempt(cname: str, mapping: dict[int, int], router: str, on=None) -> None:
        r = _route(circ, mapping, target, router, seed, on)
        label = cname if router == "lexi" else f"{cname}+sabre"
        routed.append(dict(r, name=label, mapping=mapping))
        tried.append({"placement": label, "two_qubit_gates": r["cost"][0], "swaps": r["swaps"]})

    def consider(cands, sabre_too: bool) -> bool:
        for cname, mapping in cands:
            sig = tuple(sorted(mapping.items()))
            if sig in seen:
                continue
            seen.add(sig)
            if sabre_only:
                attempt(cname, mapping, "sabre")
                continue
            attempt(cname, mapping, "lexi")
            if sabre_too and not free(routed[-1]):
                attempt(cname, mapping, "sabre")
        return any(free(r) for r in routed)

    # Large circuits with dense or fan-shaped interaction: LexiRoute never won there (1314 and
    # more CX against 679 for 16-qubit full entanglement on heavy-hex-27) and took 10 of the 18 s
    # of the 50-qubit one on heavy-hex-127; SABRE alone routes the other candidates.
    sabre_only = False

    ig = interaction_graph(circ)
    dense = is_dense(ig)
    fan = is_fan(ig, coupling)

    def stages():
        if placement in ("auto", "ansatz"):
            budget = 0.2 if n <= 16 else 0.6 if n <= 40 else 1.5
            yield ansatz_placements(circ, coupling, seed=seed, budget_s=budget), True
            lines = dense_line_placements(circ, coupling, seed=seed, budget_s=budget,
                                          interaction=ig) if dense or fan else None
            if lines is not None:
                # Qubits that nearly all interact: routed by SABRE on a path alone (a swap network).
                nonlocal sabre_only
                sabre_only = circ.n_gates > MANY_TRIALS_GATES
                path, cands = lines
                line = coupling.edge_subgraph(itertools.pairwise(path)).copy()
                for cname, mapping in cands:
                    attempt(cname, mapping, "sabre", line)
                    seen.add(tuple(sorted(mapping.items())))
        graph_max = GRAPH_MAX_QUBITS if max(d for _, d in coupling.degree()) > 2 else GRAPH_MAX_QUBITS_ON_LINES
        if placement == "graph" or (placement == "auto" and not (dense and n > 8) and n <= graph_max) or (
                placement == "ansatz" and not routed):
            # GraphPlacement looks for the interaction graph inside the coupling graph: hopeless
            # and slow when it is dense (21 s for 16-qubit full entanglement on heavy-hex-27), and
            # slow on wide circuits, where SABRE's layout did as well.
            yield [("graph", m) for m in _pytket_placements("graph", circ, target)], False
        if placement in ("auto", "line"):
            yield [("line", m) for m in _pytket_placements("line", circ, target)], False
        if placement in ("auto", "sabre"):
            from .sabre import sabre_layouts
            trials = layout_trials(circ)
            # A longer search is not always better (hea_full-8 on grid-6x6-cz: 136 CX from 128
            # trials, 141 from 512): both are candidates, from one search.
            counts = [trials, 4 * trials] if circ.n_gates <= MANY_TRIALS_GATES else [trials]
            yield [("sabre", m) for m in sabre_layouts(circ, coupling, seed=seed, trials=counts)], True
        if placement == "identity" or not routed or (placement == "auto" and len(seen) < 3):
            # Where the other placements found little (a block as large as the device), the
            # trivial placement is a candidate too: it sometimes routes best.
            yield [("identity", identity)], False

    for cands, sabre_too in stages():
        if consider(cands, sabre_too):
            break
    else:
        others = sorted((r for r in routed if r["name"] in ("graph", "line", "identity")), key=lambda r: r["cost"])
        for r in others[:2]:
            attempt(r["name"], r["mapping"], "sabre")
    routed.sort(key=lambda r: r["cost"])
    # Symbolic circuits clean up slowly (about 50 ms each for the iris block): two only.
    small = circ.n_gates <= FINISH_ALL_GATES and not circ.free_symbols()
    finish = FINISH_SMALL if small else FINISH_BEST
    finished = [_finish(r, target, opt_level) for r in routed[:FINISH_BEST]]
    if finish > FINISH_BEST:
        shapes = {_shape(r["routed"]) for r in routed[:FINISH_BEST]}
        for r in routed[FINISH_BEST:]:
            if len(finished) >= finish:
                break
            # The clean-up saves at most about 3 CX per SWAP (a SWAP absorbed by the gates on its
            # pair): a candidate that cannot beat the best so far is not cleaned up, nor one whose
            # two-qubit gates fall as an earlier one's did, up to renaming the physical qubits.
            if r["cost"][0] - 3 * r["swaps"] >= min(f["cost"][0] for f in finished):
                continue
            shape = _shape(r["routed"])
            if shape not in shapes:
                shapes.add(shape)
                finished.append(_finish(r, target, opt_level))
    best = min(finished, key=lambda r: r["cost"])
    best["candidates"] = tried
    return best


LAYOUT_WORK = 40_000
"""SABRE layout trials are counted, not timed (the result must not depend on the machine's load):
about LAYOUT_WORK / gates of them, between 16 and 128. Measured on heavy-hex-27: 27-qubit
hardware-efficient chain 141 CX with 16 trials, 122 with 64, 120 with 256; re-uploading-27 179,
161, 158; each trial of a 250-gate circuit takes about a millisecond."""


MANY_TRIALS_GATES = 2000
ROUTE_TRIALS = 32
"""Circuits of up to MANY_TRIALS_GATES gates get a second SABRE layout with four times the trials
and ROUTE_TRIALS routing trials (sabre.py's defaults are now 32 layouts and 24 routings, fewer
for large circuits; these counts override them): with numba each costs about a millisecond there. Measured (CX): heavy-hex-27 hea_line-27 122 -> 120, random-16 194 -> 178, qaoa-16 233 ->
209; grid-6x6-cz graph state-27 42 -> 35, random-16 134 -> 127."""


def layout_trials(circ: Circuit) -> int:
    return max(16, min(128, LAYOUT_WORK // max(1, circ.n_gates)))


def _shape(circ: Circuit) -> tuple:
    """The sequence of two-qubit gates of a routed circuit, physical qubits renamed in order of
    first use."""
    names: dict = {}
    out = []
    for cmd in circ.get_commands():
        if len(cmd.qubits) == 2:
            out.append((cmd.op.type, tuple(names.setdefault(q, len(names)) for q in cmd.qubits)))
    return tuple(out)


FINISH_BEST = 2
"""How many of the cheapest routed candidates get the full clean-up before the final choice."""

FINISH_ALL_GATES = 200
FINISH_SMALL = 8
"""Numeric circuits of up to FINISH_ALL_GATES gates have up to FINISH_SMALL candidates cleaned up
(a few ms each; distinct ones that might beat the best so far):
the clean-up's KAK merges a SWAP with its neighbours, so the order before it is not the order
after (the qasm_include block on heavy-hex-27: a one-SWAP candidate of 14 CX became 12, and the
two cheapest before the clean-up, 13 each, stayed 13)."""


def _load_cached(key: str, target: Target) -> CompiledCircuit | None:
    folder = _cache_dir()
    if folder is None:
        return None
    path = os.path.join(folder, key + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            return CompiledCircuit.from_json(json.load(f), target)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None  # a missing or damaged cache entry is simply recompiled


def _store_cached(key: str, cc: CompiledCircuit) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    try:
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{key}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(cc.to_json(), f)
        os.replace(tmp, os.path.join(folder, key + ".json"))
    except OSError:
        pass  # a read-only cache folder must not stop a compilation


def logical_index(q: Qubit) -> int:
    return q.index[0]
