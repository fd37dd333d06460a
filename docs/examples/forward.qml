// A quantum block at file level: any model of this file (or of a file importing it) can call it.
quantum pair(a[2], b[1]) on q[2] {
    rx(a[0]) q[0];
    rx(a[1]) q[1];
    rzz(b) q[0], q[1];                  // a width-1 input can be used without an index
    readout expval(Z0), expval(Z1), expval(Z0 * Z1);
}

model wiring {
    input x[3];
    input t[1];
    output label[2];
    output score[1];

    layer pre = dense(3, 3, bias=false, init=normal(0, 0.1));
    layer head = dense(4, 2);
    layer out = dense(1, 1, init=zeros);

    quantum bias_only() on q[1] {       // a block with no data input
        param phi;
        ry(phi) q;
        readout expval(Z0);
    }

    forward {
        h = tanh(pre(x));               // layer call, then activation
        a, b = split(h, 2, 1);          // widths 2 and 1
        z = pair(a, b);                 // quantum block call: width 3
        s = 0.5 * z;                    // scaling by a constant
        r = scale(z, pi / 4);           // the same as pi / 4 * z
        k = concat(s, bias_only());     // width 3 + 1 = 4
        label = softmax(head(k));
        score = sigmoid(out(k[3]));     // one element: width 1
        unused = relu(concat(r[0:2], k[:1], t));   // slices; unused values are allowed
    }
}
