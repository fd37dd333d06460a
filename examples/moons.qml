// R1 "moons-4q" of the reference models: a 4-qubit hardware-efficient circuit with a dense head.
// Each feature is encoded twice (qubit i gets x[i % 2]), then 3 layers of RY, RZ and a CNOT ring.
model moons {
    input x[2];
    output y[2];

    quantum circuit(x[2]) on q[4] {
        param theta[3, 4] init uniform(0, 2 * pi);
        param phi[3, 4] init uniform(0, 2 * pi);

        for i in range(4) {
            ry(x[i % 2] * pi / 2) q[i];
        }
        repeat 3 as layer {
            for i in range(4) {
                ry(theta[layer, i]) q[i];
                rz(phi[layer, i]) q[i];
            }
            for i in range(4) {
                cx q[i], q[(i + 1) % 4];
            }
        }
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 2, init=uniform(-0.5, 0.5));

    forward {
        y = softmax(head(circuit(x)));
    }

    train {
        data = moons(n_samples=500, noise=0.1, seed=0);
        test_split = 0.3;                   // stratified, with the seed below
        scale = standard;
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        epochs = 30;
        batch_size = 32;
        seed = 0;
        gradient = adjoint;
    }
}
