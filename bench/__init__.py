"""Benchmarks: each prints its figures and compares them with a saved baseline."""
