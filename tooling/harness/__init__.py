"""Helpers of the tests and benchmarks, not of `make up`: the kill proxy, the load generator, the inventory."""
