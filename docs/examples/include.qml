include "ansatz.qasm" as ansatz;    // a 3-qubit circuit named `ansatz`

gate wrapped a, b, c { ansatz a, b, c; }   // usable inside user gates too

model with_qasm {
    input x[3];
    output y[1];
    quantum b(x[3]) on q[3] {
        angle_encoding(x);
        ansatz q;                     // whole register: its size must be 3
        ansatz q[2], q[1], q[0];      // or exactly 3 single qubits, in the file's order
        wrapped q[0], q[1], q[2];
        readout expval(Z0);
    }
    forward { y = b(x); }
}
