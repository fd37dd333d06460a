import numpy as np
import pytest
import sympy
from pytket import Circuit


@pytest.fixture
def native_circuit():
    """A 3-qubit circuit in IBM's native gates with symbols a, b (angles in half-turns)."""
    a, b = sympy.symbols("a b")
    c = Circuit(3)
    c.SX(0).Rz(a, 0).SX(0).X(1).SX(2).Rz(0.3, 2).CX(0, 1).Rz(b, 1).SX(1).CX(1, 2).SX(2).Rz(a + b, 0)
    c.CX(2, 0).SX(0).X(2)
    return c


@pytest.fixture
def batch_bindings():
    rng = np.random.default_rng(1)
    return {"a": rng.uniform(-1, 1, 4), "b": rng.uniform(-1, 1, 4)}
