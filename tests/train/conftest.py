import pytest

TINY = """// a one-qubit data re-uploading classifier: small and fast, for tests
model tiny {
    input x[2];
    output p[2];
    quantum c(x[2]) on q[1] {
        param w[2, 1, 3] init uniform(-1, 1);
        param b[2, 1, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=2);
        readout probs(q[0]);
    }
    forward { p = c(x); }
    train {
        data = circle(n_samples=64, seed=0);
        loss = cross_entropy;
        optimizer = adam(lr=0.1);
        epochs = 3;
        batch_size = 10;
        seed = 0;
        test_split = 0.25;
    }
}
"""

# the same classifier read out as expectations (raw outputs), for the other losses
RAW = TINY.replace("output p[2];", "output p[{width}];").replace(
    "readout probs(q[0]);", "readout {readout};").replace("model tiny", "model raw").replace(
    "        loss = cross_entropy;\n", "")


def raw_model(width=1, readout="expval(Z0)"):
    return RAW.replace("{width}", str(width)).replace("{readout}", readout)


@pytest.fixture
def tiny_file(tmp_path):
    p = tmp_path / "tiny.qml"
    p.write_text(TINY)
    return str(p)
