"""Benchmarks: scripts that print their figures and ratios against a baseline run in the same process."""
