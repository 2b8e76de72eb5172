"""Signals the status page sends for the layers above it (the status app never imports them).

``incident_resolved``: an incident has just been resolved, whoever resolved it (the console,
``midas incident resolve``, the status admin, a script): sent inside the transaction that
resolves it, so a receiver's writes (an outbox row) commit with the resolution or not at all.
Keyword arguments ``incident`` (the resolved row) and ``at``. The launch listens, to resolve
the incident's PagerDuty alert at once.

``incident_made_public``: a staff-only incident has just been made public on purpose
(``services.incident_make_public``, from the admin's action, ``midas incident publish`` or
the launch console), sent inside that transaction. Keyword arguments ``incident``,
``reason`` (why, for the record: never shown publicly), ``by`` (the account, or a label),
``via`` (admin, cli, console…) and ``at``. The launch listens, to keep it in its audit trail
and tell the launch channel.
"""

from __future__ import annotations

from django.dispatch import Signal

incident_resolved = Signal()
incident_made_public = Signal()
