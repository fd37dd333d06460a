// expect: 8:13 unknown train setting `epoch`
// expect: 8:25 `batch_size` must be a positive integer, got 0
model m {
    input x[1];
    output y[1];
    layer d = dense(1, 1);
    forward { y = d(x); }
    train { epoch = 10; batch_size = 0; }
}
