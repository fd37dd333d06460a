model params {
    input x[2];
    output y[1];
    quantum b(x[2]) on q[2] {
        rx(bias) q[0];                           // usable before its declaration
        param theta[2, 3];                       // 6 values, uniform(0, 2*pi)
        param bias;                              // a scalar: written `bias`, not `bias[0]`
        param w[4] init normal(0, 0.1);
        param c init constant(0.5);
        param z[2] init zeros;
        param u[2, 2] init uniform(-pi, pi);
        ry(theta[1, 2]) q[0];                    // row-major: element 1 * 3 + 2 = 5
        rz(w[3] * x[1] + c) q[1];
        rx(z[0] + u[1, 0]) q[1];
        readout expval(Z0);
    }
    forward { y = b(x); }
}
