"""Synthetic probes: the worker fetches four targets every minute and records the results.

Targets and the components they speak for:

| target | request | components |
| --- | --- | --- |
| home   | ``GET /`` | website |
| asset  | ``GET /assets/<first active asset>/`` | website |
| quote  | ``POST /api/v1/quotes`` (a week, a month ahead) | booking, api |
| readyz | ``GET /readyz`` | payments (its database check), email (its outbox check) |

(for /readyz, a component follows its named check when the answer has one, else the
overall status)

Mode (``SLO_PROBE_MODE``): ``client`` (default) drives the application in the worker's
own process through Django's test ``Client``: it needs no network and proves the code and
the database answer, but not the server or proxy in front. ``http`` fetches
``SLO_PROBE_URL`` (default ``SITE_URL``) over the network (urllib, ``SLO_PROBE_TIMEOUT``
seconds), proving the whole path; use it in production where the worker can reach the site.

A page is up with a 200; the quote with a 200 or a 422 (a business answer, e.g. a stay
too short, is still a working API); /readyz with a 200 (``warn`` included). An answer of
planned maintenance (503 with ``X-Maintenance: on``) is recorded as ``maintenance``: neither
up nor down, no data for uptime (docs/explanation/maintenance.md).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from midas.core.synthetic import synthetic_pass
from midas.core.throttle import ThrottledLog
from midas.slo import spool
from midas.slo.models import Component, ProbeResult
from midas.slo.recorder import minute_of

SPOOLED = ThrottledLog(logging.getLogger(__name__), interval=300)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    latency_ms: float
    error: str = ""
    maintenance: bool = False  # a 503 with X-Maintenance: on: planned, neither up nor down


# The probed asset, remembered from the last time the database answered: while it does
# not, the probes still fetch the same pages (and see them fail) instead of skipping them.
_last_asset: dict[str, str] = {}


def _probe_asset() -> dict[str, str] | None:
    from midas.catalog.models import Asset

    try:
        asset = Asset.objects.active().order_by("pk").first()
    except DatabaseError:
        return _last_asset or None
    if asset is None:
        _last_asset.clear()
        return None
    _last_asset.update(slug=asset.slug, path=asset.get_absolute_url())
    return dict(_last_asset)


def _quote_payload() -> dict | None:
    asset = _probe_asset()
    if asset is None:
        return None
    start = timezone.now().date() + dt.timedelta(days=30)
    return {
        "asset": asset["slug"],
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=7)).isoformat(),
    }


def _asset_path() -> str | None:
    asset = _probe_asset()
    return asset["path"] if asset else None


def _gate_pass() -> dict[str, str]:
    """The header that lets a probe through the launch's access gate (the same pass a smoke
    run of this deployment sends): a closed gate or a ramp must not read as downtime."""
    return synthetic_pass()


def fetch(method: str, path: str, body: dict | None = None) -> Answer:
    mode = settings.SLO_PROBE_MODE
    started = time.perf_counter()
    gate_pass = _gate_pass()
    data = json.dumps(body).encode() if body is not None else None
    if mode == "http":
        base = settings.SLO_PROBE_URL or settings.SITE_URL
        if not base.startswith(("http://", "https://")):
            return Answer(0, b"", 0.0, error="SLO_PROBE_URL / SITE_URL must be http(s)://")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            base.rstrip("/") + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "User-Agent": "midas-probe", **gate_pass},
        )
        timeout = float(settings.SLO_PROBE_TIMEOUT)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, content = response.status, response.read()
                marker = response.headers.get("X-Maintenance")
        except urllib.error.HTTPError as exc:
            status, content = exc.code, exc.read()
            marker = exc.headers.get("X-Maintenance")
        except (OSError, ValueError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            return Answer(0, b"", elapsed, error=str(exc)[:200])
    else:
        from django.test import Client

        site = urlsplit(settings.SITE_URL)
        client = Client(
            HTTP_HOST=site.netloc or "localhost",
            HTTP_USER_AGENT="midas-probe",
            headers=gate_pass,
            raise_request_exception=False,  # the answer a customer gets (a 503 when down)
        )
        secure = site.scheme == "https"
        try:
            if method == "POST":
                response = client.post(
                    path, data=data, content_type="application/json", secure=secure
                )
            else:
                response = client.get(path, secure=secure)
            status, content = response.status_code, response.content
            crash = getattr(response, "exc_info", None)  # what the handler turned into a 5xx
            if crash:
                elapsed = (time.perf_counter() - started) * 1000
                return Answer(
                    status, content, elapsed, error=f"{crash[0].__name__}: {crash[1]}"[:200]
                )
            marker = response.get("X-Maintenance")
        except Exception as exc:  # an exception in the app is an outage, not a crash
            elapsed = (time.perf_counter() - started) * 1000
            return Answer(500, b"", elapsed, error=f"{type(exc).__name__}: {exc}"[:200])
    elapsed = (time.perf_counter() - started) * 1000
    return Answer(status, content, elapsed, maintenance=status == 503 and marker == "on")


def _readyz_check(body: bytes, *words: str) -> str | None:
    """The status of the first /readyz check whose name contains one of ``words``."""
    try:
        checks = json.loads(body).get("checks", {})
    except (ValueError, AttributeError):
        return None
    for name, entries in checks.items():
        if any(word in name for word in words):
            entry = entries[0] if isinstance(entries, list) and entries else entries
            if isinstance(entry, dict):
                return entry.get("status")
    return None


def run_probes(*, now: dt.datetime | None = None) -> list[ProbeResult]:
    """Probe every target once; save and return one result per (target, component)."""
    at = now or timezone.now()
    rows: list[ProbeResult] = []

    def keep(target: str, component: str, answer: Answer, ok: bool, detail: str = "") -> None:
        rows.append(
            ProbeResult(
                component=component,
                target=target,
                ok=ok,
                status=answer.status,
                latency_ms=round(answer.latency_ms, 2),
                at=at,
                minute=minute_of(at),
                detail=(detail or answer.error)[:200],
                maintenance=answer.maintenance,
            )
        )

    home = fetch("GET", "/")
    keep("home", Component.WEBSITE, home, home.status == 200)

    path = _asset_path()
    if path:
        page = fetch("GET", path)
        keep("asset", Component.WEBSITE, page, page.status == 200)

    payload = _quote_payload()
    if payload:
        quote = fetch("POST", "/api/v1/quotes", payload)
        ok = quote.status in (200, 422)
        keep("quote", Component.BOOKING, quote, ok)
        keep("quote", Component.API, quote, ok)

    ready = fetch("GET", "/readyz")
    overall = ready.status == 200
    for component, words in ((Component.PAYMENTS, ("database",)), (Component.EMAIL, ("outbox",))):
        check = _readyz_check(ready.body, *words)
        ok = overall if check is None else (ready.status != 0 and check != "fail")
        keep("readyz", component, ready, ok, f"{words[0]}: {check}" if check else "")

    save(rows)
    return rows


def save(rows: list[ProbeResult]) -> None:
    """Into the database, after whatever the spool kept from an outage; when the database
    cannot take them, onto the spool (midas.slo.spool), so the outage is not lost."""
    try:
        spool.drain()
        ProbeResult.objects.bulk_create(rows)
    except DatabaseError as exc:
        spool.append(rows)
        SPOOLED.error("database", f"probe results spooled to disk: {type(exc).__name__}: {exc}")
