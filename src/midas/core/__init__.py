"""Shared pieces with no domain of their own, the ground floor every app may import.

- ``models``: ``TimestampedModel`` (``created_at`` / ``updated_at``).
- ``signals``: what the core announces for the layers above it (``process_started``).
- ``synthetic``: the pass our own traffic (probes, smoke runs) carries, so that it is never
  counted as, nor gated like, a customer's.

``midas.core`` imports nothing from the rest of Midas (docs/architecture.md).
"""
