"""Security signals for the ``security`` rollback trigger (docs/explanation/launch-triggers-
escalation.md).

Two observations are kept as ``SecuritySignal`` rows (the lockout itself lives only in the
cache, which may be per process and forgets):

- **lockout**: the sign-in guard locked an (account, address) pair or an address
  (``midas.accounts.authentication.check_credentials`` announces
  ``accounts.signals.signin_locked`` when ``Lockout.failed()`` says it locked). A *burst*
  is ``LAUNCH_SECURITY_LOCKOUTS`` (5) or more lockouts within
  ``LAUNCH_SECURITY_WINDOW_MINUTES`` (10).
- **staff_login**: a staff account signed in (the sign-in page and the API token endpoint
  through ``check_credentials``; the admin's own login form through
  ``accounts.forms.StaffLoginForm``; all three announce ``accounts.signals.signed_in``,
  which this module listens to).
  It is *from a new address* when the account signed in during the last 30 days and never
  from this address: an account's first recorded sign-in is no evidence of anything.
  Such a sign-in keeps the trigger holding for ``LAUNCH_SECURITY_WINDOW_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from midas.accounts.signals import signed_in, signin_locked
from midas.launch.models import SecuritySignal, SignalKind

ADDRESS_MEMORY = dt.timedelta(days=30)


def lockout_burst() -> int:
    return int(settings.LAUNCH_SECURITY_LOCKOUTS)


def signal_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.LAUNCH_SECURITY_WINDOW_MINUTES))


def lockout_record(*, email: str, ip: str, scope: str, at: dt.datetime | None = None) -> None:
    """The sign-in guard locked ``scope`` ("pair" or "ip")."""
    SecuritySignal.objects.create(
        kind=SignalKind.LOCKOUT,
        at=at or timezone.now(),
        email=(email or "")[:254],
        ip=(ip or "unknown")[:64],
        detail=scope[:64],
    )


def staff_login_record(*, user, ip: str, at: dt.datetime | None = None) -> SecuritySignal | None:
    """A staff account signed in from ``ip``; customers are not recorded."""
    if not getattr(user, "is_staff", False):
        return None
    at = at or timezone.now()
    ip = (ip or "unknown")[:64]
    recent = SecuritySignal.objects.filter(
        kind=SignalKind.STAFF_LOGIN, user=user, at__gte=at - ADDRESS_MEMORY, at__lte=at
    )
    new_address = recent.exists() and not recent.filter(ip=ip).exists()
    return SecuritySignal.objects.create(
        kind=SignalKind.STAFF_LOGIN,
        at=at,
        user=user,
        email=user.email[:254],
        ip=ip,
        new_address=new_address,
    )


@dataclass(frozen=True)
class SecurityReading:
    lockouts: int
    new_address_logins: list[str] = field(default_factory=list)  # "email from ip"

    @property
    def holding(self) -> bool:
        return self.lockouts >= lockout_burst() or bool(self.new_address_logins)


def security_reading(*, now: dt.datetime | None = None) -> SecurityReading:
    """The signals of the last window ending at ``now``."""
    now = now or timezone.now()
    recent = SecuritySignal.objects.filter(at__gt=now - signal_window(), at__lte=now)
    lockouts = recent.filter(kind=SignalKind.LOCKOUT).count()
    logins = recent.filter(kind=SignalKind.STAFF_LOGIN, new_address=True).order_by("at", "id")
    return SecurityReading(
        lockouts=lockouts, new_address_logins=[f"{s.email} from {s.ip}" for s in logins]
    )


@receiver(signin_locked, dispatch_uid="launch.security.lockout")
def _on_signin_locked(sender: object, *, email: str, ip: str, scope: str, **_: object) -> None:
    lockout_record(email=email, ip=ip, scope=scope)


@receiver(signed_in, dispatch_uid="launch.security.staff_login")
def _on_signed_in(sender: object, *, user: object, ip: str, **_: object) -> None:
    staff_login_record(user=user, ip=ip)
