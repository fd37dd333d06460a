// A feature map and an ansatz written as two blocks: `encode` has no readout, so its value is
// the quantum state it prepares, which `classify` starts from. The compiler's fuse-blocks pass
// joins them into one circuit (hardware cannot hand a state from one job to the next).
quantum encode(x[4]) on q[4] {
    iqp_encoding(x, reps=1);
}

quantum classify(bias[1]) on q[4] {
    param w[2, 4, 3] init normal(0, 0.4);
    strongly_entangling(w, layers=2);
    rz(bias[0]) q[0];
    readout expval(Z0), expval(Z1 * Z2), probs(q[3]);
}

model encoder_ansatz {
    input x[4];
    output y[2];

    layer head = dense(4, 2);

    forward {
        s = encode(x);
        h = classify(s, x[0:1]);
        y = softmax(head(h));
    }

    train {
        data = "data/four_features.csv";
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        epochs = 20;
        seed = 2;
    }
}
