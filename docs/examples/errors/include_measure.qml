// expect: 4:1 classical registers are not allowed in an included OpenQASM file
include "measure.qasm" as bell;
model m {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[2] { bell q; readout expval(Z0 * Z1); }
    forward { y = b(x); }
}
