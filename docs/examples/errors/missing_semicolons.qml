// expect: 4:15 missing `;` at the end of the line
// expect: 5:16 missing `;` at the end of the line
model m {
    input x[2]
    output y[1]
    layer head = dense(2, 1);
    forward { y = head(x); }
}
