"""Synthetic data for benchmarks: generators that write straight into an empty database, beside the domain."""
