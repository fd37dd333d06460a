model loops {
    input x[3];
    output y[1];
    quantum b(x[3]) on q[4] {
        param theta[3, 4];
        for i in range(4) { h q[i]; }              // i = 0, 1, 2, 3
        for i in range(1, 4) { rz(x[i - 1]) q[i]; }  // i = 1, 2, 3
        for i in range(3, -1, -2) { x q[i]; }      // i = 3, 1
        for i in range(4) {
            for j in range(i + 1, 4) { cz q[i], q[j]; }   // every pair i < j
        }
        repeat 3 as layer {                       // layer = 0, 1, 2
            for i in range(4) { ry(theta[layer, i]) q[i]; }
        }
        repeat 2 { cx q[0], q[1]; }               // no loop variable
        readout expval(Z0);
    }
    forward { y = b(x); }
}
