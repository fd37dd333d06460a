OPENQASM 2.0;
include "qelib1.inc";
qreg a[1];
qreg b[1];
h a[0];
cx a[0], b[0];    // registers are flattened in order: a[0] is qubit 0, b[0] is qubit 1
barrier a, b;     // ignored
