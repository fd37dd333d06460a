// A multi-class classifier in the style of iris: 4 features, 3 classes.
// Angle encoding, strongly entangling layers, one ⟨Z⟩ per qubit, a dense softmax head.
model iris {
    input features[4];
    output classes[3];

    quantum circuit(x[4]) on q[4] {
        param w[2, 4, 3] init normal(0, 0.5);
        angle_encoding(x, axis=X, scale=pi / 2);
        strongly_entangling(w, layers=2);
        readout expval(Z[i]) for i in range(4);
    }

    layer head = dense(4, 3);

    forward {
        classes = softmax(head(circuit(features)));
    }

    train {
        data = iris();                      // scikit-learn's copy (pip install 'qml-compiler[train]')
        scale = standard;
        test_split = 0.3;
        loss = cross_entropy;
        optimizer = adam(lr=0.1);
        schedule = cosine;
        epochs = 60;
        batch_size = 16;
        seed = 0;
    }
}
