// The data re-uploading problems of Pérez-Salinas et al., Quantum 4, 226 (2020), as
// ../shared/anchors/reupload.md defines them (inputs uniform in [-1, 1]^d), each with a
// re-uploading classifier of 4 qubits and 3 layers: in every layer each qubit gets
// rz, ry, rz rotations whose angles are w * x + b (the input uploaded again), then a line of
// CZs; the four <Z> readouts go through a small dense layer to class probabilities.
// Trained on 200 points and tested on 4,000 fresh ones (benchmarks/quality.py, docs/results.md):
//     qmlc train examples/reupload_problems.qml --model crown --plot

// circle: 2 features, 2 classes; label 1 if r² < 2/π.
model circle {
    input x[2];
    output p[2];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 2);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = circle(n_samples=200, seed=0);
        data.test = circle(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// sphere: 3 features, 2 classes; label 1 if r² < (3/π)^(2/3).
model sphere {
    input x[3];
    output p[2];

    quantum classifier(x[3]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 2);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = sphere(n_samples=200, seed=0);
        data.test = sphere(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// hypersphere: 4 features, 2 classes; label 1 if r² < 2/π (in four dimensions).
model hypersphere {
    input x[4];
    output p[2];

    quantum classifier(x[4]) on q[4] {
        param w[3, 4, 6] init uniform(-1, 1);
        param b[3, 4, 6] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 2);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = hypersphere(n_samples=200, seed=0);
        data.test = hypersphere(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// crown: 2 features, 2 classes; label 1 if 0.8 − 2/π < r² < 0.8 (an annulus).
model crown {
    input x[2];
    output p[2];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 2);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = crown(n_samples=200, seed=0);
        data.test = crown(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// tricrown: 2 features, 3 classes; label 0 inside r² < 0.8 − 2/π, 1 in the annulus up to 0.8, 2 outside.
model tricrown {
    input x[2];
    output p[3];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 3);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = tricrown(n_samples=200, seed=0);
        data.test = tricrown(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// non_convex: 2 features, 2 classes; label 1 below the curve x₁ = −2x₀ + 1.5 sin(πx₀).
model non_convex {
    input x[2];
    output p[2];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 2);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = non_convex(n_samples=200, seed=0);
        data.test = non_convex(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// wavy_lines: 2 features, 4 classes; label which side of the two curves x₁ = ±x₀ + sin(πx₀).
model wavy_lines {
    input x[2];
    output p[4];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 4);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = wavy_lines(n_samples=200, seed=0);
        data.test = wavy_lines(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// squares: 2 features, 4 classes; label the quadrant.
model squares {
    input x[2];
    output p[4];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 4);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = squares(n_samples=200, seed=0);
        data.test = squares(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}

// three_circles: 2 features, 4 classes; label which of three overlapping circles (the last that contains x), 0 for none.
model three_circles {
    input x[2];
    output p[4];

    quantum classifier(x[2]) on q[4] {
        param w[3, 4, 3] init uniform(-1, 1);
        param b[3, 4, 3] init uniform(-1, 1);
        reupload(x, w, b, layers=3, entangle=line);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 4);

    forward {
        p = softmax(head(classifier(x)));
    }

    train {
        data = three_circles(n_samples=200, seed=0);
        data.test = three_circles(n_samples=4000, seed=1);
        loss = cross_entropy;
        optimizer = adam(lr=0.05);
        schedule = cosine;
        epochs = 300;
        batch_size = 16;
        seed = 0;
    }
}
