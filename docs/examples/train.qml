model trained {
    input x[2];
    output y[1];
    quantum b(x[2]) on q[2] {
        param theta[1, 2, 2];
        angle_encoding(x);
        hardware_efficient(theta);
        readout expval(Z0);
    }
    forward { y = b(x); }

    train {
        data = moons(n_samples=256, noise=0.1, seed=0);   // a generator call ...
        data.noise = 0.2;                                 // ... and a dotted sub-key
        scale = standard;                   // a bare word is a string: "standard"
        loss = mse;
        optimizer = adam(lr=0.05, betas=(0.9, 0.999));
        optimizer.weight_decay = 0;
        lr = 1e-3;
        epochs = 30;                        // positive integer
        batch_size = 32;                    // positive integer
        seed = 42;                          // integer
        gradient = parameter_shift;
        shots = 1000;                       // positive integer
        validation_split = 0.2;
        test_split = 0.1;
        metrics = [accuracy, "f1"];
        early_stopping = 5;
        early_stopping.min_delta = 0.001;
        schedule = cosine(t_max=30);
        clip = 1.0;
        checkpoint_every = 5;
        target = "ibm_brisbane";
    }
}
