// A library file: gates and blocks for other files to import. It needs no model.
include "bell.qasm" as bell;

gate rot(a, b) t { ry(a) t; rz(b) t; }

quantum encoder(x[2]) on q[2] {
    angle_encoding(x);
    bell q;                      // an included circuit on the whole register (sizes match)
    readout expval(Z0), expval(Z1);
}
