"""The staff ops console at ``/ops/``: one server-rendered page over the ops, SLO, backup,
outbox and worker selectors, with charts drawn as inline SVG (no script)."""
