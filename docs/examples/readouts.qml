model readouts {
    input x[2];
    output e[8];
    output p[4];
    output s[8];
    quantum b(x[2]) on q[3] {
        angle_encoding(x);
        readout expval(Z0),                       // 1 value
                expval(0.5 * Z0 * Z1 + X2),       // 1 value: a weighted sum of Pauli strings
                expval(-Z0 + 2 * X1 * Y2 - 0.25), // -0.25 is a constant term (identity)
                expval(Z[i]) for i in range(3),   // 3 values: <Z0>, <Z1>, <Z2>
                expval(Z[i] * Z[(i + 1) % 3]) for i in range(2);  // 2 values
    }
    quantum pr(x[2]) on q[3] {
        angle_encoding(x);
        readout probs(q[2], q[0]);                // 4 values, q[2] the most significant bit
    }
    quantum sm(x[2]) on q[3] {
        angle_encoding(x);
        readout samples(shots=1000);              // all qubits: 8 values
    }
    forward {
        e = b(x);
        p = pr(x);
        s = sm(x);
    }
}
