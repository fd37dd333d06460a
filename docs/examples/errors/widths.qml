// expect: 12:21 layer `head` takes width 3 but gets width 4
model m {
    input x[2];
    output y[1];
    quantum b(x[2]) on q[4] {
        angle_encoding(x, cycle=true);
        readout expval(Z[i]) for i in range(4);     // width 4
    }
    layer head = dense(3, 1);
    forward {
        h = b(x);
        y = sigmoid(head(h));
    }
}
