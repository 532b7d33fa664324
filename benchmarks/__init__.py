"""Benchmarks: scripts that print their figures and how they were run."""
