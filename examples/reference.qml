// The data re-uploading reference models of ../shared/anchors (R2L, R3L, R2, R3), several
// models in one file: choose one with `--model NAME`. Digits 0 and 1, PCA features scaled to
// [-pi, pi], the input uploaded in every layer, a CNOT chain, labels +-1 and an MSE loss.
// The `_last` models read the end of the chain, so the whole circuit matters; the others read
// qubit 0, so only a light cone of the circuit can influence the output.

// R2L: 8 qubits, 4 layers, readout <Z7>; 64 parameters.
model r2l_8q_last {
    input x[8];
    output y[1];

    quantum circuit(x[8]) on q[8] {
        param theta[4, 8];
        param phi[4, 8];
        repeat 4 as l {
            for i in range(8) {
                ry(x[i]) q[i];
            }
            for i in range(8) {
                ry(theta[l, i]) q[i];
                rz(phi[l, i]) q[i];
            }
            for i in range(7) {
                cx q[i], q[i + 1];
            }
        }
        readout expval(Z7);
    }

    forward {
        y = circuit(x);
    }

    train {
        data = digits(classes=[0, 1], pca=8, scale=minmax, range=[-pi, pi], labels=[-1, 1]);
        loss = mse;
        optimizer = adam(lr=0.05);
        batch_size = 32;
        epochs = 10;
        seed = 0;
        gradient = adjoint;
    }
}

// R3L: 12 qubits, 6 layers, readout <Z11>; 144 parameters.
model r3l_12q_last {
    input x[12];
    output y[1];

    quantum circuit(x[12]) on q[12] {
        param theta[6, 12];
        param phi[6, 12];
        repeat 6 as l {
            for i in range(12) {
                ry(x[i]) q[i];
            }
            for i in range(12) {
                ry(theta[l, i]) q[i];
                rz(phi[l, i]) q[i];
            }
            for i in range(11) {
                cx q[i], q[i + 1];
            }
        }
        readout expval(Z11);
    }

    forward {
        y = circuit(x);
    }

    train {
        data = digits(classes=[0, 1], pca=12, scale=minmax, range=[-pi, pi], labels=[-1, 1]);
        loss = mse;
        optimizer = adam(lr=0.05);
        batch_size = 32;
        epochs = 10;
        seed = 0;
        gradient = adjoint;
    }
}

// R2: as R2L, read out on <Z0> (19 of its 64 parameters matter).
model r2_8q {
    input x[8];
    output y[1];

    quantum circuit(x[8]) on q[8] {
        param theta[4, 8];
        param phi[4, 8];
        repeat 4 as l {
            for i in range(8) {
                ry(x[i]) q[i];
            }
            for i in range(8) {
                ry(theta[l, i]) q[i];
                rz(phi[l, i]) q[i];
            }
            for i in range(7) {
                cx q[i], q[i + 1];
            }
        }
        readout expval(Z0);
    }

    forward {
        y = circuit(x);
    }

    train {
        data = digits(classes=[0, 1], pca=8, scale=minmax, range=[-pi, pi], labels=[-1, 1]);
        loss = mse;
        optimizer = adam(lr=0.05);
        batch_size = 32;
        epochs = 10;
        seed = 0;
        gradient = adjoint;
    }
}

// R3: as R3L, read out on <Z0> (41 of its 144 parameters matter).
model r3_12q {
    input x[12];
    output y[1];

    quantum circuit(x[12]) on q[12] {
        param theta[6, 12];
        param phi[6, 12];
        repeat 6 as l {
            for i in range(12) {
                ry(x[i]) q[i];
            }
            for i in range(12) {
                ry(theta[l, i]) q[i];
                rz(phi[l, i]) q[i];
            }
            for i in range(11) {
                cx q[i], q[i + 1];
            }
        }
        readout expval(Z0);
    }

    forward {
        y = circuit(x);
    }

    train {
        data = digits(classes=[0, 1], pca=12, scale=minmax, range=[-pi, pi], labels=[-1, 1]);
        loss = mse;
        optimizer = adam(lr=0.05);
        batch_size = 32;
        epochs = 10;
        seed = 0;
        gradient = adjoint;
    }
}
