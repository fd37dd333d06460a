// expect: 8:19 parameters are declared at the top of a quantum block
// expect: 9:16 unknown name `w`
model m {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[2] {
        for i in range(2) {
            param w;
            ry(w) q[i];
        }
        readout expval(Z0);
    }
    forward { y = b(x); }
}
