OPENQASM 2.0;
include "qelib1.inc";
// A fixed entangling layer written in OpenQASM 2, included by qasm_include.qml.
qreg q[3];
h q;
cx q[0], q[1];
cu1(pi/4) q[1], q[2];
u2(0, pi) q[2];
barrier q;
cz q[2], q[0];
