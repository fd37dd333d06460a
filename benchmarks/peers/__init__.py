"""Helpers for `benchmarks/train_speed.py`: the reference models of shared/anchors (data, initial
weights, gate sequence) and the peer training paths (PennyLane, Qiskit Machine Learning)."""
