model gates {
    input x[1];
    output y[1];
    quantum all_gates(x[1]) on q[3] {
        // no angle, one qubit
        h q[0]; x q[0]; y q[0]; z q[0]; s q[0]; sdg q[0]; t q[0]; tdg q[0]; sx q[0]; sxdg q[0];
        // one angle, one qubit
        rx(0.1) q[0]; ry(0.2) q[0]; rz(0.3) q[0]; p(0.4) q[0];
        // three angles, one qubit: u3(theta, phi, lambda)
        u3(0.1, 0.2, 0.3) q[0];
        // two qubits: control first, then target
        cx q[0], q[1]; cy q[0], q[1]; cz q[0], q[1]; ch q[0], q[1]; swap q[0], q[1];
        crx(0.1) q[0], q[1]; cry(0.2) q[0], q[1]; crz(0.3) q[0], q[1]; cp(0.4) q[0], q[1];
        cu3(0.1, 0.2, 0.3) q[0], q[1];
        rxx(0.1) q[0], q[1]; ryy(0.2) q[0], q[1]; rzz(0.3) q[0], q[1];
        // three qubits: controls first
        ccx q[0], q[1], q[2]; cswap q[0], q[1], q[2];
        // other spellings
        u(0.1, 0.2, 0.3) q[0];    // = u3
        u1(0.4) q[0];             // = p
        cu1(0.4) q[0], q[1];      // = cp
        cnot q[0], q[1];          // = cx
        toffoli q[0], q[1], q[2]; // = ccx
        fredkin q[0], q[1], q[2]; // = cswap
        u2(0.2, 0.3) q[0];        // = u3(pi/2, 0.2, 0.3)
        id q[0];                  // nothing
        readout expval(Z0);
    }
    quantum broadcast(x[1]) on q[3] {
        h q;                      // h q[0]; h q[1]; h q[2];
        rx(x[0]) q;               // rx(x[0]) on each qubit
        cx q[0], q[(0 + 1) % 3];  // any compile-time expression as an index
        readout expval(Z0);
    }
    forward { a = all_gates(x); y = broadcast(x); }
}
