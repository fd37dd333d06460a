// expect: 2:17 unknown name `theta`: a gate definition sees only its own arguments
gate bad t { ry(theta[0]) t; }      // theta belongs to the block, not to the gate
gate good(a) t { ry(a) t; }         // pass it in as an angle argument instead
model m {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[1] {
        param theta[1];
        good(theta[0]) q[0];
        bad q[0];
        readout expval(Z0);
    }
    forward { y = b(x); }
}
