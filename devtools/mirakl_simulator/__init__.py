"""A local, stateful Mirakl seller API for tests, benchmarks and the demo (stdlib only)."""
