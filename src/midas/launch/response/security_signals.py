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

A burst, a staff account locked out or a staff sign-in from a new address is a signal *for
review* (a staff-only incident); only the breach rules of ``security_reading`` (a staff
account compromised) make it public and recommend the rollback.
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


SHOWN = 20  # accounts and addresses named in a reading, at most


@dataclass(frozen=True)
class SecurityReading:
    """The signals of one window. ``holding``: worth a staff review (a lockout burst, a
    staff account locked out, a staff sign-in from a new address). ``breach``: the reasons
    the evidence indicates a compromised staff account — only these make the incident public
    and recommend the rollback; customers mistyping passwords never do."""

    lockouts: int
    new_address_logins: list[str] = field(default_factory=list)  # "email from ip"
    accounts: list[str] = field(default_factory=list)  # the locked accounts (emails)
    addresses: list[str] = field(default_factory=list)  # the locked addresses
    staff_locked: list[str] = field(default_factory=list)  # locked accounts that are staff
    breach: list[str] = field(default_factory=list)

    @property
    def burst(self) -> bool:
        return self.lockouts >= lockout_burst()

    @property
    def holding(self) -> bool:
        return self.burst or bool(self.staff_locked or self.new_address_logins or self.breach)

    @property
    def summary(self) -> str:
        """What was seen, for the team (addresses and accounts included: internal only)."""
        window = int(signal_window().total_seconds() // 60)
        text = f"{self.lockouts} lockout(s) in {window} min"
        if self.accounts:
            text += f" on {len(self.accounts)} account(s) ({_listed(self.accounts)})"
        if self.addresses:
            text += f" from {len(self.addresses)} address(es) ({_listed(self.addresses)})"
        if self.staff_locked:
            text += "; staff account(s) locked out: " + ", ".join(self.staff_locked)
        if self.new_address_logins:
            text += "; staff sign-in from a new address: " + ", ".join(self.new_address_logins)
        if self.breach:
            text += "; BREACH INDICATED: " + "; ".join(self.breach)
        return text


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _staff_emails(emails: set[str]) -> set[str]:
    from django.contrib.auth import get_user_model

    if not emails:
        return set()
    staff = get_user_model().objects.filter(is_staff=True).values_list("email", flat=True)
    return {e.lower() for e in staff} & emails


def security_reading(*, now: dt.datetime | None = None) -> SecurityReading:
    """The signals of the last window ending at ``now``.

    Breach rules (a staff account compromised), each for a staff sign-in from a new address
    within the window:

    - after a lockout on a staff account (the same or another) in the window before it:
      someone was guessing staff passwords, and a staff account then came in from an
      address it has never used;
    - from an address that was itself locked out in the window before it: the address that
      was guessing got into a staff account.
    """
    now = now or timezone.now()
    window = signal_window()
    recent = SecuritySignal.objects.filter(at__gt=now - window, at__lte=now)
    # lockouts up to one window before the oldest sign-in in the window count for the rules
    lockouts = list(
        SecuritySignal.objects.filter(
            kind=SignalKind.LOCKOUT, at__gt=now - 2 * window, at__lte=now
        ).order_by("at", "id")
    )
    current = [s for s in lockouts if s.at > now - window]
    logins = list(recent.filter(kind=SignalKind.STAFF_LOGIN, new_address=True).order_by("at", "id"))
    emails = {s.email.lower() for s in lockouts if s.email}
    staff = _staff_emails(emails)
    breach = []
    for login in logins:
        before = [s for s in lockouts if login.at - window <= s.at <= login.at]
        on_staff = sorted({s.email.lower() for s in before if s.email.lower() in staff})
        if on_staff:
            breach.append(
                f"{login.email} signed in from a new address ({login.ip}) after lockouts on "
                f"staff account(s) {', '.join(on_staff)}"
            )
        elif any(s.ip == login.ip for s in before):
            breach.append(
                f"{login.email} signed in from {login.ip}, an address locked out just before"
            )
    return SecurityReading(
        lockouts=len(current),
        new_address_logins=[f"{s.email} from {s.ip}" for s in logins],
        accounts=sorted({s.email.lower() for s in current if s.email}),
        addresses=sorted({s.ip for s in current}),
        staff_locked=sorted({s.email.lower() for s in current if s.email.lower() in staff}),
        breach=breach,
    )


@receiver(signin_locked, dispatch_uid="launch.security.lockout")
def _on_signin_locked(sender: object, *, email: str, ip: str, scope: str, **_: object) -> None:
    lockout_record(email=email, ip=ip, scope=scope)


@receiver(signed_in, dispatch_uid="launch.security.staff_login")
def _on_signed_in(sender: object, *, user: object, ip: str, **_: object) -> None:
    staff_login_record(user=user, ip=ip)
