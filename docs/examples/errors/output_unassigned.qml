// expect: 4:12 output `z` is never assigned in the forward section
model m {
    input x[2];
    output z[2];
    layer d = dense(2, 2);
    forward { y = d(x); }
}
