"""Generated traffic for the launch drill (docs/explanation/launch-drill.md).

Three kinds, all landing where production traffic lands:

- **minute aggregates**: each simulated minute, ``n`` requests (scaled with the ramp) go
  through the SLO engine's own buffer (``midas.slo.recorder.RECORDER.record(at=...)``) and
  are flushed with its ``flush()``: the same ``RequestMinute`` rows, written the same way,
  as the middleware writes them. An error burst is a share of those answered 5xx.
- **probe results**: each simulated minute, one ``ProbeResult`` per (target, component)
  as the probe job writes them; every ``REAL_PROBE_EVERY`` minutes the real probe function
  ``run_probes(now=...)`` runs instead (through the whole middleware stack, access gate
  included).
- **real visitors**: a sample of requests through Django's test ``Client`` (a new visitor
  each, so a new ramp bucket): home, the collection, an asset, a quote, and now and then a
  registration and a booking paid with a sandbox test card. They pass the access gate at
  its current mode and ramp, so the gate's admission counts are real. The SLO middleware
  records them under the drill's clock.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from midas.slo.models import Component, ProbeResult
from midas.slo.recorder import RECORDER, minute_of

REAL_PROBE_EVERY = 30  # simulated minutes
PROBES = (
    ("home", Component.WEBSITE),
    ("asset", Component.WEBSITE),
    ("quote", Component.BOOKING),
    ("quote", Component.API),
    ("readyz", Component.PAYMENTS),
    ("readyz", Component.EMAIL),
)


@dataclass
class Traffic:
    """Seeded generator; ``error_pct`` > 0 during an injected error burst."""

    rng: random.Random
    error_pct: float = 0.0
    requests: int = 0
    errors: int = 0
    visits: dict[str, int] = field(default_factory=dict)  # status class -> count
    server_errors: list[str] = field(default_factory=list)  # real 5xx answers seen

    def minute(self, minute: dt.datetime, ramp_percent: float) -> tuple[int, int]:
        """Record one minute of aggregate traffic; return (requests, 5xx)."""
        n = 40 + int(160 * max(0.0, min(ramp_percent, 100.0)) / 100)
        errors = 0
        if self.error_pct:
            errors = max(1, round(n * self.error_pct / 100))
        for i in range(n):
            at = minute + dt.timedelta(seconds=(i * 60) // n)
            status = 500 if i < errors else 200
            RECORDER.record(at=at, duration_ms=self.rng.uniform(60, 900), status=status)
        RECORDER.flush()
        self.requests += n
        self.errors += errors
        return n, errors

    def probes(self, minute: dt.datetime, *, ok: bool = True) -> None:
        at = minute + dt.timedelta(seconds=5)
        ProbeResult.objects.bulk_create(
            ProbeResult(
                component=component,
                target=target,
                ok=ok,
                status=200 if ok else 500,
                latency_ms=round(self.rng.uniform(40, 400), 2),
                at=at,
                minute=minute_of(at),
            )
            for target, component in PROBES
        )

    def real_probes(self, now: dt.datetime) -> list[str]:
        """Run the real probes; return the failed ones as "target/component status detail"."""
        from midas.slo.probes import run_probes

        rows = run_probes(now=now)
        RECORDER.flush()
        return [f"{r.target}/{r.component} {r.status} {r.detail}".strip() for r in rows if not r.ok]

    def visitors(self, count: int) -> dict[str, int]:
        """``count`` new visitors each look at a few pages; tally their answers."""
        from django.test import Client

        from midas.catalog.models import Asset

        asset = Asset.objects.active().order_by("pk").first()
        tally: dict[str, int] = {}
        for _ in range(count):
            client = Client(HTTP_USER_AGENT="midas-drill-visitor")
            paths = ["/", "/collection/"]
            if asset is not None:
                paths.append(asset.get_absolute_url())
            for path in paths:
                response = client.get(path)
                status, gate = response.status_code, response.headers.get("X-Launch-Gate")
                if gate:  # the access gate's answer: refused (403) or waiting (503)
                    key = f"gate {gate.split(':')[0]}"
                else:
                    key = "200" if status == 200 else f"{status // 100}xx"
                    if status >= 500:
                        self.server_errors.append(f"{path} {status}")
                tally[key] = tally.get(key, 0) + 1
        RECORDER.flush()
        for key, n in tally.items():
            self.visits[key] = self.visits.get(key, 0) + n
        return tally


def customer_journey(*, email: str, password: str, asset_slug: str, start: dt.date) -> dict:
    """A verified customer books ``asset_slug`` for a week from ``start`` over the API and
    pays with a sandbox test card. Returns what happened (statuses and the reference)."""
    from django.test import Client

    client = Client(HTTP_USER_AGENT="midas-drill-customer")
    token = client.post(
        "/api/v1/auth/token",
        {"email": email, "password": password, "name": "drill"},
        content_type="application/json",
    )
    result: dict = {"token": token.status_code}
    if token.status_code != 200:
        RECORDER.flush()
        return result
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    booking = client.post(
        "/api/v1/bookings",
        {
            "asset": asset_slug,
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=7)).isoformat(),
            "accept_terms": True,  # a customer ticks the terms box
        },
        content_type="application/json",
        **auth,
    )
    result["booking"] = booking.status_code
    if booking.status_code not in (200, 201):
        result["why"] = booking.content.decode()[:200]
    else:
        reference = booking.json().get("reference", "")
        result["reference"] = reference
        paid = client.post(
            f"/api/v1/bookings/{reference}/pay",
            {"card_number": "4242424242424242"},
            content_type="application/json",
            **auth,
        )
        result["pay"] = paid.status_code
    RECORDER.flush()
    return result
