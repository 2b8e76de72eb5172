"""Who is acting on the launch, and whether they may.

Every console view and every ``midas launch ...`` command builds an ``Actor`` and calls
``require(actor, PERM)`` before a service changes anything; the services record the actor.
Staff permission groups (``midas launch team groups``, created by ``plan init``) hold the
permissions: concierge (none of these), operations, launch, executive (read-only).
A system actor (the worker running the schedule, a trigger, the drill, someone acting in
PagerDuty's app) acts by the launch team's configuration and passes every check; it is
named in the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

from midas.errors import AppError, ErrorCode

if TYPE_CHECKING:
    from midas.accounts.models import User

# The permissions (codename on launch.LaunchState), checked as "launch.<codename>".
VIEW = "launch.view_launch"
PHASE = "launch.change_launch_phase"
RAMP = "launch.change_launch_ramp"
FLAGS = "launch.change_launch_flags"
PLAN = "launch.manage_launch_plan"
SIGN_OFF = "launch.sign_off_launch"
ROLLBACK = "launch.roll_back_launch"
ACK = "launch.acknowledge_incident"

# Staff permission groups and what each may do.
GROUPS: dict[str, tuple[str, ...]] = {
    "concierge": (),
    "operations": (VIEW, RAMP, FLAGS, ROLLBACK, ACK),
    "launch": (VIEW, PHASE, RAMP, FLAGS, PLAN, SIGN_OFF, ROLLBACK, ACK),
    "executive": (VIEW, SIGN_OFF),  # read-only, but an executive signs the decision
}


@dataclass(frozen=True)
class Actor:
    user: User | None  # a staff account, or None for the system
    label: str  # the user's email, "system:<part>", or "PagerDuty: <name>"
    via: str  # console, cli, worker, drill, api, link, pagerduty

    @property
    def is_system(self) -> bool:
        return self.user is None


def system(part: str, via: str = "worker") -> Actor:
    return Actor(user=None, label=f"system:{part}", via=via)


def pagerduty(agent: str) -> Actor:
    """Someone acting in PagerDuty's app (its webhook tells us): a system actor named by
    PagerDuty's agent summary, ``PagerDuty: Ana Lopez``. The name is PagerDuty's text, not a
    Midas account: kept to one plain line."""
    name = " ".join(str(agent or "").split())[:120] or "someone"
    return Actor(user=None, label=f"PagerDuty: {name}", via="pagerduty")


def of_user(user: User, via: str) -> Actor:
    return Actor(user=user, label=user.email, via=via)


def by_email(email: str, via: str = "cli") -> Actor:
    """The staff account named on the command line (``--by`` or ``MIDAS_OPERATOR``)."""
    email = (email or "").strip()
    if not email:
        raise AppError(
            ErrorCode.AUTH_REQUIRED,
            "Say who you are: --by EMAIL (or MIDAS_OPERATOR=EMAIL) naming a staff account.",
            field="by",
        )
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None or not user.is_staff:
        raise AppError(ErrorCode.FORBIDDEN, f"{email} is not an active staff account.", field="by")
    return of_user(user, via)


def can(actor: Actor, perm: str) -> bool:
    user = actor.user
    if user is None:  # the system
        return True
    return bool(user.is_active and user.is_staff and user.has_perm(perm))


def require(actor: Actor, perm: str) -> None:
    if not can(actor, perm):
        raise AppError(ErrorCode.FORBIDDEN, f"{actor.label} may not do this (needs {perm}).")
