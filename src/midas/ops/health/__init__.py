"""Health checks: ``/healthz`` (liveness) and ``/readyz`` (readiness). See base.py."""
