// A model that includes an OpenQASM 2 circuit as a gate (`entangle`) between trainable layers.
include "lib/ansatz.qasm" as entangle;

model qasm_model {
    input x[3];
    output y[1];

    quantum circuit(x[3]) on q[3] {
        param theta[2, 3];
        angle_encoding(x, axis=Z);
        for l in range(2) {
            entangle q;
            for i in range(3) {
                ry(theta[l, i]) q[i];
            }
        }
        readout expval(Z0 * Z2);
    }

    forward {
        y = circuit(x);
    }
}
