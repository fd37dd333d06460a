// Regression on the energy of a small Hamiltonian: the readout is a weighted sum of Pauli
// strings, H = 0.5 Z0 Z1 + 0.5 Z1 Z2 + X2 − 0.25 Y0 Y1, so the model's output has width 1.
model energy {
    input h[3];
    output e[1];

    quantum ansatz(x[3]) on q[3] {
        param theta[3, 3, 2] init uniform(0, pi);
        iqp_encoding(x, reps=2);
        repeat 3 as l {
            for i in range(3) {
                rx(theta[l, i, 0]) q[i];
                rz(theta[l, i, 1]) q[i];
            }
            rzz(theta[l, 0, 0] * theta[l, 1, 0]) q[0], q[1];
            crx(theta[l, 2, 1] / 2) q[1], q[2];
        }
        readout expval(0.5*Z0*Z1 + 0.5*Z1*Z2 + X2 - 0.25*Y0*Y1);
    }

    forward {
        e = ansatz(h);
    }

    train {
        data = "data/energies.csv";
        loss = mse;
        optimizer = sgd(lr=0.1, momentum=0.9);
        epochs = 50;
        batch_size = 16;
        gradient = parameter_shift;
        shots = 2000;
        seed = 7;
    }
}
