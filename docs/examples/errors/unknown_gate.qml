// expect: 6:9 unknown gate or template `rz2`
model typo {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[1] {
        rz2(x[0]) q[0];
        readout expval(Z0);
    }
    forward { y = b(x); }
}
