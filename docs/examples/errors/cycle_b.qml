// expect: 2:8 import cycle: cycle_b.qml -> cycle_a.qml -> cycle_b.qml
import "cycle_a.qml";
gate gb t { x t; }
