// Two models sharing one file-level block: check both, or pick one with --model.
quantum features(x[2]) on q[2] {
    param theta[2];
    angle_encoding(x);
    ry(theta[0]) q[0];
    ry(theta[1]) q[1];
    cz q[0], q[1];
    readout expval(Z0), expval(Z1);
}

model small {
    input x[2];
    output y[1];
    layer head = dense(2, 1);
    forward { y = sigmoid(head(features(x))); }
}

model wide {
    input x[2];
    output y[3];
    layer head = dense(2, 3);
    forward { y = softmax(head(features(x))); }
}
