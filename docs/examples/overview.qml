// A two-feature binary classifier: a 2-qubit circuit followed by a dense layer.
model classifier {
    input x[2];                          // two features per sample
    output y[2];                         // two class probabilities

    quantum circuit(x[2]) on q[2] {
        param theta[2, 2];               // trainable; uniform in [0, 2π) by default
        for i in range(2) {
            ry(x[i] * pi) q[i];          // feature i on qubit i
        }
        repeat 2 as l {                  // l = 0, 1
            ry(theta[l, 0]) q[0];
            ry(theta[l, 1]) q[1];
            cx q[0], q[1];
        }
        readout expval(Z0), expval(Z1), expval(Z0 * Z1);   // 3 numbers
    }

    layer head = dense(3, 2);            // 3 inputs, 2 outputs, with bias

    forward {
        y = softmax(head(circuit(x)));
    }

    train {
        data = moons(n_samples=256, noise=0.1, seed=0);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        epochs = 30;
        batch_size = 32;
    }
}
