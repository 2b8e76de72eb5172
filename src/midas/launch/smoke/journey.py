"""The smoke run's customer journey: one method per step, each returning the report's
detail or raising ``StepFailed`` (``midas.launch.smoke.services.run_smoke`` drives it and keeps the
result)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from django.conf import settings
from django.utils import timezone

from midas.accounts.synthetic import synthetic_email_domain
from midas.errors import AppError
from midas.launch.smoke.client import API, BackstageUnavailable, Http
from midas.launch.smoke.server import CONFIRMATION_TEMPLATE

logger = logging.getLogger("midas.launch.smoke")

STEPS = ("home", "registration", "sign_in", "booking", "payment", "email", "cleanup")
DEFAULT_TIMEOUT = 10.0  # seconds, per request
MAIL_WAIT_SECONDS = 20.0  # how long the email step waits for the outbox
NUDGE_AFTER = 5.0  # seconds left to the worker before the smoke sends the email itself
POLL_SECONDS = 0.25
TEST_CARD = "4242424242424242"  # the sandbox's card that succeeds
STRIPE_TEST_METHOD = "pm_card_visa"  # Stripe's test-mode payment method
BIRTH_DATE = "1980-01-01"
CANDIDATE_ASSETS = 4  # assets tried before the booking step gives up
WINDOWS_PER_ASSET = 3  # start dates tried per asset


class StepFailed(Exception):
    """A step's check did not hold; the message is the report's detail."""


class Journey:
    """One run's customer journey; each public method is a step returning its detail or
    raising ``StepFailed``."""

    def __init__(
        self,
        http: Http,
        backstage: Any,
        *,
        run_tag: str,
        local: bool,
        mail_wait: float,
        nudge_after: float = 0.0,
    ) -> None:
        self.http, self.backstage, self.local = http, backstage, local
        self.run_tag, self.mail_wait, self.nudge_after = run_tag, mail_wait, nudge_after
        self.password = secrets.token_urlsafe(18)
        self.address = ""
        self.token = ""
        self.booked: dict[str, Any] | None = None
        self.window: tuple[str, str, str] | None = None  # asset, start, end
        self.paid = False
        self._info: dict[str, Any] | None = None

    def step(self, name: str) -> dict[str, Any]:
        started = time.monotonic()
        try:
            detail, ok = getattr(self, name)(), True
        except StepFailed as exc:
            detail, ok = str(exc), False
        except BackstageUnavailable as exc:
            detail, ok = str(exc), False
        except AppError as exc:
            detail, ok = f"refused ({exc.code}): {exc.message}", False
        except Exception as exc:  # a smoke reports, it never crashes
            logger.exception("launch.smoke step %s crashed", name)
            detail, ok = f"error: {type(exc).__name__}: {exc}", False
        ms = round((time.monotonic() - started) * 1000)
        return {"name": name, "ok": ok, "ms": ms, "detail": str(detail)[:500]}

    def info(self) -> dict[str, Any]:
        if self._info is None:
            try:
                self._info = self.backstage.info()
            except BackstageUnavailable:
                self._info = {}
        return self._info

    # --- the steps --------------------------------------------------------------------------

    def home(self) -> str:
        answer = self.http.call("GET", "/")
        if answer.status != 200:
            raise StepFailed(f"home page: {answer.problem()}")
        limit = settings.SMOKE_HOME_MAX_MS
        if answer.ms > limit:
            raise StepFailed(f"home page answered 200 but slowly: {answer.ms} ms > {limit} ms")
        return f"200 in {answer.ms} ms (limit {limit} ms)"

    def registration(self) -> str:
        domain = self.info().get("email_domain") or synthetic_email_domain()
        self.address = f"smoke+{self.run_tag}@{domain}"
        body = {
            "email": self.address,
            "password": self.password,
            "first_name": "Smoke",
            "last_name": "Check",
            "date_of_birth": BIRTH_DATE,
        }
        answer = self.http.call("POST", f"{API}/auth/register", json_body=body)
        if answer.status != 201:
            self.address = ""
            raise StepFailed(f"register {body['email']}: {answer.problem()}")
        return f"registered {self.address} ({answer.ms} ms)"

    def sign_in(self) -> str:
        if not self.address:
            raise StepFailed("not run: registration failed")
        verified = self.backstage.verify(self.address)
        if not verified.get("verified"):
            raise StepFailed(f"the address of {self.address} could not be verified")
        body = {"email": self.address, "password": self.password, "name": "midas smoke"}
        answer = self.http.call("POST", f"{API}/auth/token", json_body=body)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise StepFailed(f"token: {answer.problem()}")
        self.token = answer.body.get("token", "")
        return f"verified and signed in ({answer.ms} ms for the token)"

    def booking(self) -> str:
        if not self.token:
            raise StepFailed("not run: needs a signed-in smoke account (sign_in failed)")
        listed = self.http.call("GET", f"{API}/assets", query={"limit": "200"})
        if listed.status != 200 or not isinstance(listed.body, dict):
            raise StepFailed(f"catalogue: {listed.problem()}")
        items = listed.body.get("items", [])
        instant = [a for a in items if a.get("booking_mode") == "instant"]
        # Cars need a driving licence on the profile: other categories first.
        instant.sort(key=lambda a: a.get("category") == "cars")
        if not instant:
            raise StepFailed(f"catalogue lists {len(items)} assets, none instant-book")
        tried: list[str] = []
        for asset in instant[:CANDIDATE_ASSETS]:
            found = self._quote_far_ahead(asset["slug"], tried)
            if found is None:
                continue
            slug, start, end, quoted = found
            answer = self.http.call(
                "POST",
                f"{API}/bookings",
                json_body={"asset": slug, "start": start, "end": end, "accept_terms": True},
                token=self.token,
            )
            if answer.status in (200, 201) and isinstance(answer.body, dict):
                self.booked, self.window = answer.body, (slug, start, end)
                return (
                    f"{len(items)} assets listed; {slug} {start}→{end} quoted "
                    f"{_money(quoted['total'], quoted['currency'])}; booked "
                    f"{answer.body['reference']} ({answer.body['status']})"
                )
            tried.append(f"book {slug}: {answer.problem()}")
        raise StepFailed("no booking made: " + "; ".join(tried[-4:]))

    def _quote_far_ahead(
        self, slug: str, tried: list[str]
    ) -> tuple[str, str, str, dict[str, Any]] | None:
        detail = self.http.call("GET", f"{API}/assets/{slug}")
        if detail.status != 200 or not isinstance(detail.body, dict):
            tried.append(f"{slug}: {detail.problem()}")
            return None
        for start, end in far_windows(detail.body):
            answer = self.http.call(
                "POST", f"{API}/quotes", json_body={"asset": slug, "start": start, "end": end}
            )
            if answer.status == 200 and isinstance(answer.body, dict):
                if answer.body.get("available"):
                    return slug, start, end, answer.body
                tried.append(f"{slug} {start}: taken")
            else:
                tried.append(f"quote {slug}: {answer.problem()}")
                if not answer.answered:
                    return None
        return None

    def payment(self) -> str:
        if self.booked is None:
            raise StepFailed("not run: no booking to pay")
        mode = self.payment_mode()
        if mode == "stripe_live":
            raise StepFailed(
                "refused: the deployment's Stripe key is live (not sk_test_): a smoke run "
                "never charges a real card"
            )
        if mode == "sandbox" and self.booked.get("test_mode") is False:
            raise StepFailed("refused: the deployment says its payments are not in test mode")
        if mode == "sandbox":
            body = {"card_number": TEST_CARD}
        elif mode == "stripe_test":
            body = {"payment_method": STRIPE_TEST_METHOD}
        else:
            raise StepFailed(
                "refused: cannot tell whether payments are in test mode: needs SMOKE_TOKEN"
            )
        ref = self.booked["reference"]
        answer = self.http.call(
            "POST", f"{API}/bookings/{ref}/pay", json_body=body, token=self.token
        )
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise StepFailed(f"pay {ref} in {mode} mode: {answer.problem()}")
        booking = answer.body.get("booking") or {}
        self.booked = booking or self.booked
        if answer.body.get("status") != "succeeded" or booking.get("status") != "confirmed":
            raise StepFailed(
                f"pay {ref}: {answer.body.get('status')}, booking {booking.get('status')}"
            )
        self.paid = True
        amount = _money(booking.get("total"), booking.get("currency"))
        return f"paid {amount} in {mode} mode; {ref} confirmed"

    def payment_mode(self) -> str:
        if self.local:
            from midas.launch.smoke.server import payment_mode

            return payment_mode()  # this process's own settings: never trust a lookup here
        mode = self.info().get("payments")
        if mode:
            return str(mode)
        return "sandbox" if (self.booked or {}).get("test_mode") is True else "unknown"

    def email(self) -> str:
        if not self.paid:
            raise StepFailed("not run: no confirmed booking, so no confirmation email")
        started = time.monotonic()
        deadline = started + self.mail_wait
        nudged = 0
        while True:
            status = self.backstage.mail(self.address, CONFIRMATION_TEMPLATE)
            state = status.get("status")
            if not status.get("found"):
                raise StepFailed(
                    f"no {CONFIRMATION_TEMPLATE} email to {self.address} in the outbox"
                )
            if state == "sent":
                where = "; in the local mailbox" if status.get("in_mailbox") else ""
                by = status.get("sent_by") or "?"
                return f"{CONFIRMATION_TEMPLATE} sent at {status.get('sent_at')} by {by}{where}"
            if state == "failed":
                raise StepFailed(f"the confirmation email failed: {status.get('last_error')}")
            if time.monotonic() >= deadline:
                raise StepFailed(
                    f"the confirmation email is still {state} after {self.mail_wait:g} s "
                    f"({status.get('attempts')} attempts; {status.get('last_error') or 'no error'})"
                )
            waited = time.monotonic() - started
            if state == "pending" and waited >= self.nudge_after and nudged < 3:
                nudged += 1
                self.backstage.nudge()
                continue
            time.sleep(POLL_SECONDS)

    def cleanup(self) -> str:
        done: list[str] = []
        problems: list[str] = []
        if self.booked is not None:
            self._cancel(done, problems)
        if self.token:
            answer = self.http.call("DELETE", f"{API}/auth/token", token=self.token)
            (done if answer.status == 204 else problems).append(
                "token revoked" if answer.status == 204 else f"revoke token: {answer.problem()}"
            )
        if problems:
            raise StepFailed("; ".join(problems + done))
        if not done and self.http.down:  # a request may have landed before it went quiet
            raise StepFailed(f"cannot confirm nothing was left behind: {self.http.down}")
        return "; ".join(done) or "nothing to clean up"

    def _cancel(self, done: list[str], problems: list[str]) -> None:
        ref = self.booked["reference"]
        answer = self.http.call(
            "POST",
            f"{API}/bookings/{ref}/cancel",
            json_body={"reason": "smoke run"},
            token=self.token,
        )
        if answer.status != 200 or not isinstance(answer.body, dict):
            problems.append(f"cancel {ref}: {answer.problem()}")
            return
        booking = answer.body.get("booking") or {}
        refunded, total = answer.body.get("refund"), booking.get("total")
        if self.paid and (booking.get("status") != "refunded" or refunded != total):
            problems.append(
                f"cancel {ref}: {booking.get('status')}, refund {refunded} of {total} "
                f"({answer.body.get('tier')})"
            )
        else:
            done.append(
                f"{ref} cancelled, {_money(refunded, booking.get('currency'))} refunded"
                if self.paid
                else f"{ref} cancelled (nothing paid)"
            )
        slug, start, end = self.window
        free = self.http.call(
            "GET", f"{API}/assets/{slug}/availability", query={"start": start, "end": end}
        )
        if free.status == 200 and isinstance(free.body, dict) and free.body.get("free"):
            done.append("slot free again")
        else:
            problems.append(f"slot of {ref} not free again: {free.problem() or free.body}")


def _money(minor: Any, currency: Any) -> str:
    from midas.money import format_money

    try:
        return format_money(int(minor), str(currency or ""))
    except (TypeError, ValueError, KeyError):
        return f"{minor} {currency}"


def far_windows(asset: dict[str, Any], *, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Start/end (bare dates, or local times for hourly assets) far in the future but inside
    the asset's booking horizon, a few to try: the smoke must not take a slot a customer
    wants soon."""
    today = today or timezone.now().date()
    horizon = int(asset.get("max_advance_days") or 365)
    notice_days = -(-int(asset.get("min_notice_hours") or 0) // 24) + 2
    units = max(int(asset.get("min_duration") or 1), 1)
    hourly = asset.get("pricing_unit") == "hour"
    span = 1 if hourly else units
    lead = max(notice_days, horizon - 20 - span)
    windows = []
    for attempt in range(WINDOWS_PER_ASSET):
        day = today + dt.timedelta(days=max(lead - 3 * attempt, notice_days))
        if hourly:
            start = dt.datetime.combine(day, dt.time(10, 0))
            end = start + dt.timedelta(hours=units)
            windows.append((start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")))
        else:
            windows.append((day.isoformat(), (day + dt.timedelta(days=span)).isoformat()))
    return list(dict.fromkeys(windows))
