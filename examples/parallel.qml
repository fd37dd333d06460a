// Two quantum blocks on parallel branches: the input is split in two halves, each half goes
// through its own 3-qubit circuit, and the branches merge in a classical head.
model two_branches {
    input x[6];
    output y[2];

    quantum left(x[3]) on q[3] {
        param theta[2, 3, 2];
        angle_encoding(x, axis=Y);
        hardware_efficient(theta, layers=2, rotations=[ry, rz], entangle=line);
        readout expval(Z[i]) for i in range(3);
    }

    quantum right(x[3]) on q[3] {
        param theta[2, 3, 1];
        zz_feature_map(x, reps=1);
        hardware_efficient(theta, layers=2, rotations=[ry], entangle=full, entangler=cz);
        readout expval(Z0*Z1), expval(Z1*Z2), expval(X0);
    }

    layer mix = dense(6, 4, init=normal(0, 0.3));
    layer head = dense(4, 2, bias=false, init=constant(0.1));

    forward {
        a, b = split(x, 3, 3);
        h = concat(left(a), right(b));
        z = tanh(mix(h));
        y = softmax(head(z));
    }

    train {
        data = "data/six_features.csv";
        data.label = "label";
        loss = cross_entropy;
        optimizer = adam(lr=0.02);
        epochs = 20;
        batch_size = 32;
        seed = 3;
    }
}
