"""The launch listening to the core (connected in ``LaunchConfig.ready``): the core announces,
the launch records; the core never imports the launch.

- ``accounts.signals.signin_locked`` / ``signed_in`` → ``security_signals`` (the security
  trigger's lockouts and staff sign-ins from new addresses);
- ``core.signals.process_started`` → ``freeze.release_seen_at_start`` (a new release seen
  during the freeze alerts the team);
- the beta feedback control at the end of every page (``web.extensions``);
- the smoke API under ``/api/v1/smoke/`` (``smoke.api``);
- ``/launch/ack/`` kept open during maintenance (``ops.selectors.keep_open``);
- the launch's own records kept apart from a database restore (``backups.keep``,
  ``rollback.keep``).
"""

from __future__ import annotations

from django.dispatch import receiver

from midas.core.signals import process_started
from midas.launch.response import security_signals  # noqa: F401  (its receivers connect on import)

SMOKE_ROUTER = "midas.launch.smoke.api.router"


@receiver(process_started, dispatch_uid="launch.freeze.release_seen")
def _on_process_started(sender: object, *, role: str, **_: object) -> None:
    from midas.launch.state.freeze import release_seen_at_start

    release_seen_at_start(role)


def connect_pages_and_api() -> None:
    from midas.api.routes import mount
    from midas.launch.templatetags.launch_access import feedback_control
    from midas.ops.selectors import keep_open
    from midas.web.extensions import add_to_main_end

    add_to_main_end(feedback_control)
    mount(SMOKE_ROUTER)
    keep_open("/launch/ack/")  # incident acknowledgement links work during maintenance


def connect_restore_keeper() -> None:
    from midas.launch.rollback.keep import register

    register()
