model templates {
    input x[4];
    output y[7];

    quantum encodings(x[4]) on q[4] {
        angle_encoding(x);                          // ry(x[i]) on qubit i
        angle_encoding(x, axis=Z, scale=pi / 2);    // rz(pi/2 * x[i])
        angle_encoding([x[0], 2 * x[1]], axis=X);   // a list of angles instead of an input
        zz_feature_map(x, reps=2);
        iqp_encoding(x);
        readout expval(Z0);
    }
    quantum amplitudes(x[4]) on q[2] {
        amplitude_encoding(x);                      // 4 amplitudes on 2 qubits
        readout expval(Z0);
    }
    quantum cycled(x[4]) on q[6] {
        angle_encoding(x, cycle=true);              // qubit i gets x[i % 4]
        readout expval(Z0);
    }
    quantum ansatz(x[4]) on q[4] {
        param theta[2, 4, 2];                       // [layers, qubits, len(rotations)]
        param w[3, 4, 3];                           // [layers, qubits, 3]
        angle_encoding(x);
        hardware_efficient(theta, layers=2);        // rotations=[ry, rz], entangle=ring, entangler=cx
        strongly_entangling(w, layers=3);
        readout expval(Z0);
    }
    quantum custom(x[4]) on q[4] {
        param theta[1, 4, 3];
        angle_encoding(x);
        hardware_efficient(theta, rotations=[rx, ry, rz], entangle=[(0, 2), (1, 3)], entangler=cz);
        readout expval(Z0);
    }
    quantum classifier(x[4]) on q[2] {
        param w[3, 2, 6];                           // 4 features -> ceil(4/3) = 2 chunks -> 6
        param b[3, 2, 6];
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z0);
    }

    forward {
        y = concat(encodings(x), amplitudes(x), cycled(x), ansatz(x), custom(x), classifier(x),
                   encodings(x));
    }
}
