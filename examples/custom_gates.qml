// User-defined gates from an imported file, amplitude encoding, and every classical layer kind.
import "lib/gates.qml";

quantum brick(x[4]) on q[2] {
    param w[3, 2] init normal(0, 1);
    amplitude_encoding(x);
    repeat 3 as l {
        cell(w[l, 0], w[l, 1]) q[0], q[1];
    }
    h q;
    u3(arccos(x[0] / sqrt(1 + x[0] ** 2)), arctan(x[1]), -pi / 4) q[1];
    readout probs(q[0], q[1]), samples(q[1], shots=500);
}

model custom {
    input x[4];
    output probs[4];
    output score[1];

    layer pre = dense(4, 4, bias=false);
    layer post = dense(8, 1);

    forward {
        h = relu(pre(x));
        r = brick(sigmoid(h));
        probs = identity(r[0:4]);
        score = tanh(post(concat(scale(r, 0.5), x[0:2]) / 2));
    }

    train {
        data = parity(n_bits=4);
        loss = bce;
        optimizer = adam(lr=0.01);
        early_stopping = 5;
        epochs = 10;
    }
}
