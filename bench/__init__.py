"""Benchmarks that print figures and ratios (``make bench``); nothing here asserts a timing."""
