// expect: 6:24 loop of 1,000,000 iterations exceeds the limit of 100,000
model m {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[1] {
        for i in range(1000000) { rx(0.001) q[0]; }
        readout expval(Z0);
    }
    forward { y = b(x); }
}
