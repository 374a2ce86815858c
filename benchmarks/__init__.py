"""On-demand benchmarks; not part of the app or the test suite."""
