model from_file {
    input x[4];
    output y[1];
    quantum b(x[4]) on q[4] {
        angle_encoding(x);
        readout expval(Z0 * Z1 * Z2 * Z3);
    }
    forward { y = b(x); }
    train {
        data = "data/iris.csv";             // a path, as a string
        data.label = "species";
        loss = bce;
        optimizer = sgd(lr=pi / 100);       // constant expressions are folded: 0.0314...
        validation_split = 0.25;
        metrics = [accuracy];
        early_stopping.patience = 3;
        clip = false;                       // true and false are booleans
    }
}
