// expect: 7:22 qubit index 4 is out of range for `q[4]`
model m {
    input x[1];
    output y[1];
    quantum ring(x[1]) on q[4] {
        for i in range(4) {
            cx q[i], q[i + 1];      // fails for i = 3; write q[(i + 1) % 4]
        }
        readout expval(Z0);
    }
    forward { y = ring(x); }
}
