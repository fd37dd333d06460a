"""Optimisation levels: which pytket passes run on a block's circuit before and after routing.

Every pass here is safe on symbolic circuits (angles that are sympy expressions of parameters and
data): pytket's synthesis passes keep the symbols and only fold what is numeric, and each level's
output is checked against the logical circuit with random bindings in the tests. None of them
drops a gate as "negligible": compilation is exact.

    level 0  nothing before routing; rebase and remove exact identities after it
    level 1  cancel adjacent inverses, commute single-qubit gates through CX and merge them
    level 2  level 1 + resynthesis of single-qubit runs around CX (default); small numeric
             circuits (<= 400 gates) also get level 3's FullPeepholeOptimise (up to 3 qubits)
             or KAK on two-qubit blocks (wider)
    level 3  level 2 + pytket's FullPeepholeOptimise (KAK and three-qubit squashing) on numeric
             circuits, KAK on symbolic ones; slower

On targets whose entangling gate is not CX-like (ions: ZZPhase) the CX-based resynthesis of levels
2-3 would turn each ZZPhase into two CX and back into two ZZPhase: those levels stop at level 1's
passes there. CliffordSimp is left out on purpose: on symbolic circuits it multiplies the gate
count (measured: 32 gates became 263 on examples/iris.qml).
"""

from __future__ import annotations

from pytket.passes import (
    BasePass,
    CommuteThroughMultis,
    DecomposeBoxes,
    FullPeepholeOptimise,
    KAKDecomposition,
    RemoveRedundancies,
    SequencePass,
    SynthesiseTket,
)

LEVELS = (0, 1, 2, 3)

DESCRIPTIONS = {
    0: "no optimisation: route, rebase, drop exact identities",
    1: "cancel inverses, commute and merge single-qubit gates",
    2: "level 1 + resynthesis of single-qubit runs around CX (default)",
    3: "level 2 + pytket FullPeepholeOptimise (slower on large circuits)",
}


SMALL_CIRCUIT_GATES = 400
"""At level 2, circuits up to this many gates also get FullPeepholeOptimise: on the examples'
blocks it saves up to 40% of the CX (custom_gates 5 -> 3, hamiltonian 24 -> 20) for ~0.1 s, while
on large circuits it costs seconds for a few percent (measured: QFT-27 5 s for 0.3%)."""


FPO_QUBITS = 3
"""At level 2, FullPeepholeOptimise (its three-qubit squash is what costs) runs on numeric circuits
of at most this many qubits; wider ones get KAK on two-qubit blocks (wire swaps allowed), which
found the same two-qubit count on every routing-benchmark circuit of 4 to 16 qubits (the iris and
encoder blocks 6, moons 12, QFT-16 240, random-16 62, full entanglement-8 84) in a fifth to a
tenth of the time (iris 0.04 s against 0.2 s, QFT-16 0.28 s against 2.8 s, hea_full-8 0.02 s
against 1.4 s). Three-qubit blocks need the squash (the hamiltonian ansatz: 20 CX, KAK 24)."""


def optimise_pass(level: int, cx_like: bool = True, n_gates: int = 0, symbolic: bool = False,
                  n_qubits: int = 0) -> BasePass:
    """The passes that run on the logical circuit, before placement and routing.

    FullPeepholeOptimise runs on numeric circuits only: on symbolic ones it can multiply the gate
    count (measured: the 12-gate re-uploading block of examples/reupload.qml, whose angles are
    `w * x + b`, became 2,084 gates); symbolic circuits get KAK on two-qubit blocks instead."""
    steps: list[BasePass] = [DecomposeBoxes()]
    if level >= 1:
        steps += [RemoveRedundancies(), CommuteThroughMultis(), RemoveRedundancies()]
    if level >= 2 and cx_like:
        steps += [SynthesiseTket()]
    if resynthesises(level, cx_like, n_gates, symbolic):
        if level >= 3 or n_qubits <= FPO_QUBITS:
            # Implicit wire swaps are free here: the compiler strips the permutation before
            # placement and folds it into the final map (measured: the iris block 8 -> 6 CX).
            steps += [FullPeepholeOptimise(allow_swaps=True)]
        else:
            steps += [KAKDecomposition(allow_swaps=True), SynthesiseTket()]
    elif symbolic and cx_like and level >= 3:
        steps += [KAKDecomposition(allow_swaps=False)]
    return SequencePass(steps)


def resynthesises(level: int, cx_like: bool = True, n_gates: int = 0, symbolic: bool = False) -> bool:
    """Whether `optimise_pass` resynthesises the two-qubit blocks of this numeric circuit (KAK or
    FullPeepholeOptimise; symbolic ones get only level 3's symbol-safe KAK): then, where routing adds nothing (all-to-all targets), the clean-up's KAK
    would only repeat it (QFT-27: 0.6 s for no gate)."""
    return cx_like and not symbolic and (level >= 3 or (level == 2 and n_gates <= SMALL_CIRCUIT_GATES))


def cleanup_pass(level: int, cx_like: bool = True) -> BasePass:
    """What runs on the routed circuit (SWAPs already decomposed) before the rebase: never
    anything that would move gates onto uncoupled pairs (no implicit wire swaps, no three-qubit
    resynthesis). From level 2, KAK resynthesises each two-qubit block on its own pair, which
    merges a SWAP's three CX with a neighbouring CX on the same pair (measured: 5-10% fewer CX
    on the routing benchmark's 8-qubit circuits)."""
    if level == 0:
        return SequencePass([RemoveRedundancies()])
    steps = [RemoveRedundancies(), CommuteThroughMultis(), RemoveRedundancies()]
    if level >= 2 and cx_like:
        steps += [KAKDecomposition(allow_swaps=False), SynthesiseTket()]
    return SequencePass(steps)
