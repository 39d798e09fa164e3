"""Benchmarks for the assistant."""
