import "lib/common.qml";            // relative to this file's folder

model uses_library {
    input x[2];
    output y[1];
    quantum local(v[2]) on q[3] {
        rot(v[0], v[1]) q;           // gate from lib/common.qml
        bell q[2], q[0];             // circuit included by lib/common.qml: q[2] plays a[0]
        readout expval(Z0 * Z2);
    }
    layer head = dense(3, 1);
    forward { y = head(concat(encoder(x), local(x))); }   // block from lib/common.qml
}
