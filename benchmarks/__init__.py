"""Benchmarks for kamer-kb (`make bench`); not part of the test suite."""
