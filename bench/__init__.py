"""Benchmarks: figures and ratios against a baseline measured in the same run.

They never fail a build by time: `make bench` prints, nothing asserts.
"""
