"""The launch listening to the core (connected in ``LaunchConfig.ready``): the core announces,
the launch records; the core never imports the launch.

- ``accounts.signals.signin_locked`` / ``signed_in`` → ``security_signals`` (the security
  trigger's lockouts and staff sign-ins from new addresses);
- ``core.signals.process_started`` → ``freeze.release_seen_at_start`` (a new release seen
  during the freeze alerts the team);
- ``status.signals.incident_resolved`` → ``escalation.page_resolve`` (the incident's
  PagerDuty alert resolved at once, in the resolving transaction);
- ``status.signals.incident_made_public`` → ``response.services.incident_made_public_record``
  (a staff-only incident made public on purpose — the admin's action, ``midas incident
  publish``, the console — kept in the launch's trail and told to the channel);
- the beta feedback control at the end of every page (``web.extensions``);
- the smoke API under ``/api/v1/smoke/`` (``smoke.api``);
- ``/launch/ack/`` and ``/launch/pagerduty/`` kept open during maintenance
  (``ops.selectors.keep_open``);
- the launch's own records kept apart from a database restore (``backups.keep``,
  ``rollback.keep``).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from midas.core.signals import process_started
from midas.launch.response import security_signals  # noqa: F401  (its receivers connect on import)
from midas.status.models import Incident
from midas.status.signals import incident_made_public, incident_resolved

logger = logging.getLogger(__name__)

SMOKE_ROUTER = "midas.launch.smoke.api.router"


@receiver(process_started, dispatch_uid="launch.freeze.release_seen")
def _on_process_started(sender: object, *, role: str, **_: object) -> None:
    from midas.launch.state.freeze import release_seen_at_start

    release_seen_at_start(role)


@receiver(incident_resolved, dispatch_uid="launch.escalation.page_resolve")
def _on_incident_resolved(sender: object, *, incident: Incident, **_: object) -> None:
    """Resolve the PagerDuty alert now. In a savepoint: should it fail, the resolution still
    stands and the next escalation tick's ``pages_resolve`` sends it."""
    from midas.launch.response.escalation import page_resolve

    try:
        with transaction.atomic():
            page_resolve(incident=incident)
    except Exception:  # paging must never undo a resolution
        logger.exception("incident %s: PagerDuty resolve not queued; the tick will", incident)


@receiver(incident_made_public, dispatch_uid="launch.incident.made_public")
def _on_incident_made_public(
    sender: object, *, incident: Incident, reason: str, by: object, via: str, at, **_: object
) -> None:
    """On the launch's record and told to the channel, in the transaction that made it public
    (a record that cannot be written undoes it: it is not made public unrecorded)."""
    from midas.launch.response.services import incident_made_public_record

    incident_made_public_record(incident=incident, reason=reason, by=by, via=via, at=at)


def connect_pages_and_api() -> None:
    from midas.api.routes import mount
    from midas.launch.templatetags.launch_access import feedback_control
    from midas.ops.selectors import keep_open
    from midas.web.extensions import add_to_main_end

    add_to_main_end(feedback_control)
    mount(SMOKE_ROUTER)
    keep_open("/launch/ack/")  # incident acknowledgement links work during maintenance
    keep_open("/launch/pagerduty/")  # ... and acknowledgements from PagerDuty's app


def connect_restore_keeper() -> None:
    from midas.launch.rollback.keep import register

    register()
