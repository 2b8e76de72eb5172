"""Signals the status page sends for the layers above it (the status app never imports them).

``incident_resolved``: an incident has just been resolved, whoever resolved it (the console,
``midas incident resolve``, the status admin, a script): sent inside the transaction that
resolves it, so a receiver's writes (an outbox row) commit with the resolution or not at all.
Keyword arguments ``incident`` (the resolved row) and ``at``. The launch listens, to resolve
the incident's PagerDuty alert at once.
"""

from __future__ import annotations

from django.dispatch import Signal

incident_resolved = Signal()
