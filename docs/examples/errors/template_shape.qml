// expect: 8:28 `hardware_efficient` with layers=2, rotations [ry, rz] on 3 qubits needs theta of shape [2, 3, 2], got [3, 2]
model m {
    input x[3];
    output y[1];
    quantum b(x[3]) on q[3] {
        param theta[3, 2];
        angle_encoding(x);
        hardware_efficient(theta, layers=2);
        readout expval(Z0);
    }
    forward { y = b(x); }
}
