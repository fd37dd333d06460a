// A line comment runs to the end of the line.
/* A block comment
   may span lines; block comments do not nest. */
model lexical {
    input x[1];
    output y[1];
    quantum b(x[1]) on q[1] {
        rx(3 + 1.5 + .5 + 2. + 1e-3 + 2.5E+2) q[0];   // integer and real literals
        readout expval(Z0);
    }
    forward { y = b(x); }
    train {
        data = "data/train.csv";         // a string: double quotes, no escapes, one line
    }
}
