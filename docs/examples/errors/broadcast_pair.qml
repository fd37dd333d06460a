// expect: 6:12 `cx` needs single qubits here, not the whole register `q`
model m {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[3] {
        cx q, q[1];              // only a one-qubit gate broadcasts over `q`
        readout expval(Z0);
    }
    forward { y = b(x); }
}
