"""Scripts that print figures (not timed tests); see benchmarks/README.md."""
