// expect: 2:8 import cycle: cycle_a.qml -> cycle_b.qml -> cycle_a.qml
import "cycle_b.qml";
gate ga t { h t; }
