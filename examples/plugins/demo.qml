// A model for the example passes of examples/plugins (see README.md there and docs/passes.md):
// adjacent gate pairs that undo each other, as careless ansatz code leaves them, and SWAPs.
model demo {
    input x[2];
    output y[2];

    quantum circuit(x[2]) on q[3] {
        param w[3];
        ry(x[0]) q[0];
        ry(x[1]) q[1];
        cx q[0], q[1];
        cx q[0], q[1];       // CX·CX: the identity
        h q[2];
        cx q[1], q[2];
        cx q[1], q[2];
        h q[2];              // H·(CX·CX)·H: all four go
        rz(w[0]) q[0];
        rz(-w[0]) q[0];      // Rz(w)·Rz(-w): w[0] no longer matters
        s q[1];
        sdg q[1];
        swap q[0], q[2];
        ry(w[1]) q[1];
        rx(w[2]) q[2];
        cz q[1], q[2];
        readout expval(Z0 * Z1), expval(Z[2]);
    }

    layer head = dense(2, 2);

    forward { y = softmax(head(circuit(x))); }
}
