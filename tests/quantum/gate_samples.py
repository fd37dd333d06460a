"""Gates to test the drawer and the exports on: every gate of the language (PYTKET_GATES) and
those pytket produces when it compiles for hardware, each with a shape pytket accepts."""

import sympy
from hypothesis import strategies as st
from pytket import Circuit, OpType

from qml_compiler.ir.circuits import PYTKET_GATES

X0, TH = sympy.symbols("enc__in__x__0 c__theta__5")
LABELS = {"enc__in__x__0": "x[0]", "c__theta__5": "theta[1,1]"}
PI = sympy.pi

NATIVE = [OpType.TK1, OpType.PhasedX, OpType.ZZPhase, OpType.ZZMax, OpType.U1, OpType.U2, OpType.U3,
          OpType.SX, OpType.SXdg, OpType.CZ, OpType.ECR, OpType.TK2, OpType.ISWAPMax, OpType.CnX,
          OpType.NPhasedX, OpType.PhaseGadget, OpType.V, OpType.Vdg, OpType.CSX, OpType.CS,
          OpType.ISWAP, OpType.FSim, OpType.GPI, OpType.GPI2]
ALL_GATES = sorted(set(PYTKET_GATES.values()) | set(NATIVE), key=lambda t: t.name)


def _shape(t: OpType, n_qubits: int = 3):
    """(number of parameters, number of qubits) for which pytket accepts `t`."""
    for arity in (1, 2, 3):
        for n_params in range(4):
            try:  # pytket says which shapes an operation takes only by refusing the others
                Circuit(n_qubits).add_gate(t, [0.1 * (k + 1) for k in range(n_params)], list(range(arity)))
            except (RuntimeError, IndexError):
                pass
            else:
                return n_params, arity
    raise AssertionError(f"no shape found for {t}")


SHAPES = {t: _shape(t) for t in ALL_GATES}


@st.composite
def circuits(draw, max_qubits=5, max_gates=25, symbolic=True):
    """Random circuits over ALL_GATES; angles are numbers or expressions of X0 and TH."""
    n = draw(st.integers(1, max_qubits))
    c = Circuit(n)
    usable = [t for t in ALL_GATES if SHAPES[t][1] <= n]
    angles = [0.5, 0.123, -2.0, 1.75] + ([X0 / PI, TH / PI + 1, 0.3 * X0 * TH] if symbolic else [])
    for _ in range(draw(st.integers(0, max_gates))):
        t = draw(st.sampled_from(usable))
        n_params, arity = SHAPES[t]
        qubits = draw(st.permutations(range(n)))[:arity]
        c.add_gate(t, [draw(st.sampled_from(angles)) for _ in range(n_params)], list(qubits))
    if n > 1 and draw(st.booleans()):
        c.add_barrier(list(range(n)))
    return c
