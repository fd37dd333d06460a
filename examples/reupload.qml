// The data re-uploading classifier of Pérez-Salinas et al. on the `circle` problem:
// one qubit, the input uploaded again in every layer, class probabilities read out directly.
model circle_classifier {
    input x[2];
    output p[2];

    quantum classifier(x[2]) on q[1] {
        param w[4, 1, 3] init uniform(-1, 1);
        param b[4, 1, 3] init zeros;
        reupload(x, w, b, layers=4);
        readout probs(q[0]);
    }

    forward {
        p = classifier(x);
    }

    train {
        data = circle(n_samples=500, seed=0);
        loss = cross_entropy;
        optimizer = adam(lr=0.1);
        epochs = 30;
        batch_size = 32;
        seed = 0;
    }
}

// The same classifier on two entangled qubits, with a softmax over rescaled expectations.
model circle_two_qubits {
    input x[2];
    output p[2];

    quantum classifier(x[2]) on q[2] {
        param w[3, 2, 3] init uniform(-1, 1);
        param b[3, 2, 3] init zeros;
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z0), expval(Z1);
    }

    forward {
        p = softmax(2.0 * classifier(x));
    }

    train {
        data = circle(n_samples=500, seed=0);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        epochs = 30;
        seed = 0;
    }
}
