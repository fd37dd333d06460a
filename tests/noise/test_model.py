import pytest

from qml_compiler.diagnostics import QmlError
from qml_compiler.noise import NoiseModel


def test_parse_spec_and_defaults():
    nm = NoiseModel.parse("depol1=3e-4,depol2=1e-2,readout=2e-2")
    assert (nm.p1(3), nm.p2(1, 0), nm.readout_probs(7)) == (3e-4, 1e-2, (2e-2, 2e-2))
    assert nm.virtual == ("Rz",) and nm.has_gate_noise and nm.has_readout_noise
    nm = NoiseModel.parse("amp=1e-3,phase=2e-3,readout01=0.01,readout10=0.05,virtual=Rz+Z")
    assert (nm.amp, nm.phase, nm.readout_probs(0), nm.virtual) == (1e-3, 2e-3, (0.01, 0.05), ("Rz", "Z"))
    assert NoiseModel.parse("none").is_ideal and NoiseModel.get(None).is_ideal


def test_from_target_converts_infidelity_to_pauli_error():
    nm = NoiseModel.from_target("heavy-hex-27")
    assert nm.p1(0) == pytest.approx(1.5 * 3e-4) and nm.p2(0, 1) == pytest.approx(1.25 * 1e-2)
    assert nm.readout_probs(5) == (2e-2, 2e-2)
    assert NoiseModel.parse("heavy-hex-27,readout=0").readout_probs(0) == (0.0, 0.0)


def test_per_qubit_figures_from_a_device_file(tmp_path):
    f = tmp_path / "dev.json"
    f.write_text('{"qubits": 3, "edges": [[0, 1], [1, 2]], "gates": ["cx", "rz", "sx", "x"], "errors": '
                 '{"gate_1q": 1e-3, "gate_2q": 2e-2, "readout": 0.01, "readout_by_qubit": {"2": 0.1},'
                 ' "gate_2q_by_edge": [[2, 1, 0.04]]}}')
    nm = NoiseModel.from_target(str(f))
    assert nm.p2(1, 2) == pytest.approx(0.05) and nm.p2(0, 1) == pytest.approx(0.025)
    assert nm.readout_probs(2) == (0.1, 0.1) and nm.readout_probs(0) == (0.01, 0.01)


@pytest.mark.parametrize("spec, words", [
    ("depl1=0.1", "did you mean `depol1`"), ("depol1=2", "between 0 and 1"), ("depol1=x", "must be a number"),
    ("ideal-ish", "unknown target"), ("", "empty"), ("line-4", "no error rates"),
])
def test_bad_specs_are_explained(spec, words):
    with pytest.raises(QmlError) as e:
        NoiseModel.parse(spec)
    assert words in str(e.value)
