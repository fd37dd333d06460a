// A small library of user-defined gates, imported by custom_gates.qml.

// A general single-qubit rotation from three angles.
gate rot(a, b, c) t {
    rz(a) t;
    ry(b) t;
    rz(c) t;
}

// A trainable two-qubit block built from `rot`: gates nest.
gate cell(a, b) left, right {
    rot(a, b, -a) left;
    rot(b, a, -b) right;
    cx left, right;
    rzz(a * b) left, right;
}
