model expressions {
    input x[2];
    output y[1];
    quantum b(x[2]) on q[2] {
        param theta[2];
        rx(-2 ** 2) q[0];             // -(2 ** 2) = -4
        rx(2 ** 3 ** 2) q[0];         // 2 ** (3 ** 2) = 512
        rx(2 ** -1) q[0];             // 0.5
        rx(2 * 3 % 4) q[0];           // (2 * 3) % 4 = 2
        rx(-7 % 3) q[0];              // (-7) % 3 = 2: the result takes the divisor's sign
        rx(10 - 2 - 3) q[0];          // (10 - 2) - 3 = 5
        rx(7 / 2) q[0];               // 3.5; 6 / 2 is the integer 3
        rx(x[0] * pi / 2) q[0];       // depends on data: computed per sample
        ry(sin(theta[0]) ** 2 + arctan2(x[1], 1)) q[1];
        rz(floor(2.7) + abs(-1) + sqrt(tau)) q[1];   // folded to a number now
        readout expval(Z0);
    }
    forward { y = b(x); }
}
