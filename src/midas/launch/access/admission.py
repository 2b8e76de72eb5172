"""Who the access gate lets in: the ramp bucket and the decision, pure functions of plain
data (no database, no request), so they can be tested exhaustively.

See docs/explanation/launch-bucketing.md. In short: staff always pass; ``closed`` admits
nobody else; ``beta`` admits beta testers; ``invite`` beta testers and holders of a valid
redeemed invitation; ``public`` everyone within the traffic ramp. A visitor's bucket is
``int(sha256(salt + ":" + visitor_id)) mod 10000`` and the ramp admits ``bucket < percent *
100``, so raising the percentage never turns away anyone admitted. Beta testers and invitees
are exempt from the ramp and from the capacity cap. With a capacity cap, a visitor not yet
admitted waits while the cap is reached; visitors already admitted keep going.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

BUCKETS = 10_000

ADMITTED, WAITING, REFUSED = "admitted", "waiting", "refused"  # VisitorState values

# Paths the gate never closes: health and status, metrics, the payment webhook and the
# inbound e-mail webhook (its own authentication), static files, the back office (its own
# login form), signing in and out (staff and beta testers must be able to), robots.txt, and
# the gate's own pages under /launch/ (the opening-soon page, the waitlist form, the
# invitation link and code, the feedback form, which checks for itself).
NEVER_GATED_EXACT = frozenset(
    {
        "/healthz",
        "/readyz",
        "/status",
        "/metrics",
        "/robots.txt",
        "/api/v1/payments/stripe/webhook",
        "/api/v1/email/inbound",  # customers' e-mail answers to their tickets (SendGrid)
        "/account/login/",
        "/account/logout/",
        "/api/v1/auth/token",  # the API's sign-in: a beta tester's app gets its token
    }
)
NEVER_GATED_PREFIXES = ("/status/", "/static/", "/admin/", "/launch/")


def never_gated(path: str) -> bool:
    return path in NEVER_GATED_EXACT or path.startswith(NEVER_GATED_PREFIXES)


def visitor_bucket(salt: str, visitor_id: str) -> int:
    """The visitor's bucket in ``[0, 10000)``: the same for the same salt and id, always."""
    digest = hashlib.sha256(f"{salt}:{visitor_id}".encode()).hexdigest()
    return int(digest, 16) % BUCKETS


def ramp_line(percent: Decimal | int | float | str) -> int:
    """Buckets below this line are inside the ramp (100 % → 10000: everyone)."""
    return max(0, min(BUCKETS, int(Decimal(str(percent)) * 100)))


def in_ramp(bucket: int, percent: Decimal | int | float | str) -> bool:
    return bucket < ramp_line(percent)


@dataclass(frozen=True)
class Gate:
    """The parts of the launch state the gate reads."""

    mode: str = "public"
    percent: Decimal = Decimal(100)
    salt: str = ""
    capacity: int | None = None

    @classmethod
    def of(cls, state) -> Gate:
        return cls(
            mode=state.gate_mode,
            percent=Decimal(state.ramp_percent),
            salt=state.ramp_salt or "",
            capacity=state.capacity_sessions,
        )

    @property
    def wide_open(self) -> bool:
        """Public, 100 %, no cap: everyone passes and the gate costs nothing."""
        return self.mode == "public" and ramp_line(self.percent) >= BUCKETS and not self.capacity


@dataclass(frozen=True)
class Subject:
    """What the gate knows of the one asking."""

    bucket: int
    staff: bool = False
    beta: bool = False
    invited: bool = False  # holds a redeemed invitation that is not revoked
    admitted_before: bool = False  # was admitted at the last look (capacity: keeps going)


@dataclass(frozen=True)
class Decision:
    state: str  # admitted, waiting, refused
    reason: str  # staff, beta, invite, ramp / closed, beta_only, invite_only / ramp, capacity

    @property
    def admitted(self) -> bool:
        return self.state == ADMITTED

    @property
    def exempt(self) -> bool:
        """Chosen people (beta testers, invitees): they may send feedback."""
        return self.admitted and self.reason in ("beta", "invite")


def decide(gate: Gate, subject: Subject, *, capacity_full: bool = False) -> Decision:
    """The admission rule. ``capacity_full``: the cap is set and reached (only consulted for
    a visitor inside the ramp who was not admitted before)."""
    if subject.staff:
        return Decision(ADMITTED, "staff")
    if gate.mode == "closed":
        return Decision(REFUSED, "closed")
    if subject.beta:
        return Decision(ADMITTED, "beta")
    if gate.mode == "beta":
        return Decision(REFUSED, "beta_only")
    if subject.invited:
        return Decision(ADMITTED, "invite")
    if gate.mode == "invite":
        return Decision(REFUSED, "invite_only")
    if not in_ramp(subject.bucket, gate.percent):
        return Decision(WAITING, "ramp")
    if gate.capacity and capacity_full and not subject.admitted_before:
        return Decision(WAITING, "capacity")
    return Decision(ADMITTED, "ramp")
