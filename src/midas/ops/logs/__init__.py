"""Structured logs: a JSON formatter, the request context every line carries, and a filter
that takes secrets out of every line. See docs/explanation/logs.md."""
