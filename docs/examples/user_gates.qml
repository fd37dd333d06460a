// Gates are defined at file level, in any order, and inlined where they are used.
gate rot(a, b) t {                  // two angle arguments, one qubit argument
    ry(a) t;
    rz(b) t;
}
gate entangle c, t {                // no angle arguments: no parentheses needed
    cx c, t;
    rot(pi / 2, 0) t;               // gates may call other gates
}
gate ladder(n) a, b {               // a compile-time argument can bound a loop
    for i in range(n) { rzz(0.1 * (i + 1)) a, b; }
}
model user_gates {
    input x[2];
    output y[1];
    quantum b(x[2]) on q[3] {
        param theta[3];
        rot(theta[0], x[1] * 2) q[0];   // any angle: parameters, data, expressions
        rot(theta[1], theta[2]) q;      // a one-qubit gate broadcasts over the register
        entangle q[0], q[2];
        ladder(2) q[1], q[2];
        readout expval(Z0);
    }
    forward { y = b(x); }
}
