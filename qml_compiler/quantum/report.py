"""What a block became and what it costs: per stage, per block, per target.

The JSON form is stable (`REPORT_VERSION`; fields documented in docs/targets.md); the text form
is for people. With several targets the text puts them side by side.

Per stage (logical, optimised, routed, native): qubits, gates, gate counts by type, two-qubit
gates, depth, two-qubit depth. Per block: the placement chosen and the candidates tried, SWAPs
inserted, compile time per step, the initial and final layout, the verification result, and,
where the target has error rates, an estimated success probability: the product of (1 - error)
over every gate and every read-out qubit of the native circuit (independent errors; a rough
guide to compare targets, not a prediction of accuracy).
"""

from __future__ import annotations

from collections import Counter

from pytket import Circuit, OpType

from .compile import STAGES, CompiledCircuit

REPORT_VERSION = 1


def circuit_metrics(circ: Circuit) -> dict:
    counts = Counter(cmd.op.type.name for cmd in circ.get_commands() if cmd.op.type != OpType.Barrier)
    return {"qubits": circ.n_qubits, "gates": sum(counts.values()),
            "two_qubit_gates": circ.n_2qb_gates(), "depth": circ.depth(),
            "two_qubit_depth": circ.depth_2q(), "gate_counts": dict(sorted(counts.items()))}


def success_probability(cc: CompiledCircuit, read_qubits: list[int] | None = None) -> float | None:
    """Estimated probability that no error happens in a run of the native circuit."""
    errors = cc.target.errors
    if errors is None:
        return None
    p = 1.0
    for cmd in cc.circuit.get_commands():
        qs = [q.index[0] for q in cmd.qubits]
        if cmd.op.type in (OpType.Barrier, OpType.Phase):
            continue
        if len(qs) == 1:
            # Rz is virtual on IBM devices (a frame change): no error.
            if cmd.op.type != OpType.Rz:
                p *= 1.0 - errors.q1(qs[0])
        elif len(qs) == 2:
            p *= 1.0 - errors.q2(*qs)
    for q in read_qubits if read_qubits is not None else sorted(cc.final_map.values()):
        p *= 1.0 - errors.meas(q)
    return p


def block_report(name: str, cc: CompiledCircuit, verification=None, read_qubits=None,
                 native: list[dict] | None = None) -> dict:
    stages = {s: circuit_metrics(cc.stages[s]) for s in STAGES}
    out = {"block": name, "placement": cc.placement, "candidates": cc.candidates, "swaps": cc.swaps,
           "stages": stages,
           "routing_overhead": stages["native"]["two_qubit_gates"] - _logical_2q(cc),
           "initial_map": {str(k): v for k, v in sorted(cc.initial_map.items())},
           "final_map": {str(k): v for k, v in sorted(cc.final_map.items())},
           "compile_time_s": {k: round(v, 4) for k, v in cc.times.items()}, "cached": cc.cached,
           "success_probability": success_probability(cc, read_qubits)}
    if verification is not None:
        out["verification"] = verification.to_json()
    if native:
        out["native_entanglement"] = native
    return out


def _logical_2q(cc: CompiledCircuit) -> int:
    """Two-qubit gates of the optimised circuit before routing, the baseline for the overhead."""
    return cc.stages["optimised"].n_2qb_gates()


def target_report(model: str, target, opt_level: int, blocks: list[dict]) -> dict:
    success = [b["success_probability"] for b in blocks]
    total = None
    if success and all(s is not None for s in success):
        total = 1.0
        for s in success:
            total *= s
    return {"target": target.to_json() | {"connectivity": target.connectivity},
            "opt_level": opt_level, "model": model, "blocks": blocks,
            "totals": {k: sum(b["stages"]["native"][k] for b in blocks)
                       for k in ("gates", "two_qubit_gates")} | {
                "swaps": sum(b["swaps"] for b in blocks), "success_probability": total,
                "compile_time_s": round(sum(sum(b["compile_time_s"].values()) for b in blocks), 4)}}


def report_json(model: str, per_target: list[dict]) -> dict:
    return {"version": REPORT_VERSION, "model": model, "targets": per_target}


def _fmt_counts(counts: dict) -> str:
    return " ".join(f"{k.lower()}:{v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def report_text(rep: dict) -> str:
    """Per target and block, a table of the stages; with several targets, a comparison last."""
    lines = []
    for t in rep["targets"]:
        tgt = t["target"]
        gates = ", ".join(tgt["gates"]) if tgt["gates"] else "logical gates"
        lines.append(f"target {tgt['name']}: {tgt['qubits']} qubits, {t['target']['connectivity']}, "
                     f"native {gates}; -O{t['opt_level']}")
        for b in t["blocks"]:
            lines.append(f"  block {b['block']}: placement {b['placement']}, {b['swaps']} SWAPs, "
                         f"routing overhead {b['routing_overhead']:+d} two-qubit gates"
                         + (" (cached)" if b["cached"] else ""))
            lines.append(f"    {'stage':<10} {'qubits':>6} {'gates':>6} {'2q':>5} {'depth':>6} {'2q depth':>8}")
            for s, m in b["stages"].items():
                lines.append(f"    {s:<10} {m['qubits']:>6} {m['gates']:>6} {m['two_qubit_gates']:>5} "
                             f"{m['depth']:>6} {m['two_qubit_depth']:>8}")
            lines.append(f"    native gates: {_fmt_counts(b['stages']['native']['gate_counts'])}")
            if len(b["candidates"]) > 1:
                best: dict[str, list[int]] = {}
                for c in b["candidates"]:
                    best.setdefault(c["placement"], []).append(c["two_qubit_gates"])
                lines.append("    placements tried (two-qubit gates before clean-up): " + ", ".join(
                    f"{k} {min(v)}" + (f" (best of {len(v)})" if len(v) > 1 else "") for k, v in best.items()))
            times = b["compile_time_s"]
            lines.append("    compile time: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in times.items()))
            lines.append("    layout (logical -> physical start -> end): " + ", ".join(
                f"{k}->{v}->{b['final_map'][k]}" for k, v in b["initial_map"].items()))
            for c in b.get("native_entanglement", []):
                pairs = " ".join(f"{p}-{q}" for p, q in c["pairs"])
                on = f" on physical {c['physical']}" if c["physical"] else ""
                lines.append(f"    native entanglement ({c['kind']}): pairs {pairs}{on}"
                             + (f"; {c['note']}" if c["note"] else ""))
            if b["success_probability"] is not None:
                lines.append(f"    estimated success probability: {b['success_probability']:.3f}")
            if "verification" in b:
                v = b["verification"]
                lines.append("    " + ("verified: same statevector as the logical circuit on "
                                       f"{v['trials']} random bindings (worst infidelity "
                                       f"{v['worst_infidelity']:.1e})" if v["checked"]
                                       else f"not verified: {v['reason']}"))
    if len(rep["targets"]) > 1:
        lines.append("")
        lines.append("comparison (all blocks):")
        lines.append(f"  {'target':<18} {'2q gates':>8} {'gates':>7} {'SWAPs':>6} {'success':>8} {'time':>8}")
        for t in rep["targets"]:
            tot = t["totals"]
            sp = f"{tot['success_probability']:.3f}" if tot["success_probability"] is not None else "-"
            lines.append(f"  {t['target']['name']:<18} {tot['two_qubit_gates']:>8} {tot['gates']:>7} "
                         f"{tot['swaps']:>6} {sp:>8} {tot['compile_time_s'] * 1000:>6.0f}ms")
    return "\n".join(lines)
