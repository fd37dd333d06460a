"""Helpers for tests: a clear, slow reference evaluator of intermediate graphs."""
