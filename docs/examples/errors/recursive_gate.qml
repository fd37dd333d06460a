// expect: 3:15 gate `ping` calls itself
gate ping t { h t; pong t; }
gate pong t { ping t; }
model m {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[1] { ping q[0]; readout expval(Z0); }
    forward { y = b(x); }
}
