// expect: 12:13 in `forward`, values can only be scaled by a constant
model m {
    input x[2];
    output y[2];
    quantum b(v[2]) on q[2] {
        angle_encoding(v);
        readout expval(Z0), expval(Z1);
    }
    layer d = dense(2, 2);
    forward {
        h = b(x);
        y = h * d(x);            // no products of two values
    }
}
