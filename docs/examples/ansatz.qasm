OPENQASM 2.0;
include "qelib1.inc";
// A fixed (untrained) circuit exported from another tool.
gate layer(theta) a, b {
    ry(theta) a;
    ry(theta / 2) b;
    cx a, b;
}
qreg q[3];
h q;                              // broadcast over the register
layer(pi / 4) q[0], q[1];
layer(-pi / 8) q[1], q[2];
u2(0, pi) q[2];
rz(sin(0.3) ^ 2) q[0];            // ^ is the power operator in OpenQASM 2
