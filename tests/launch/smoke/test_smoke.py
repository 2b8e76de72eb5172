"""``midas smoke``: the launch day's core checks over real HTTP against a live server (the
journey passes, a declined card and a dead port fail cleanly, the smoke booking is cancelled
and refunded, live Stripe keys are refused), the smoke API's token, and the worker's job."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from midas.accounts.synthetic import is_synthetic_email as is_smoke_email
from midas.bookings.models import Booking
from midas.catalog.models import Asset
from midas.errors import AppError
from midas.launch.models import LaunchEvent, SmokeRun
from midas.launch.smoke import journey as smoke_journey
from midas.launch.smoke import services as smoke
from midas.launch.smoke.selectors import latest_smoke
from midas.launch.smoke.services import run_smoke
from midas.notifications.models import MailboxMessage, OutboxMessage
from tests.factories import make_asset

DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens
TOKEN = "smoke-test-token-0123456789"


@pytest.fixture(autouse=True)
def smoke_settings(settings, tmp_path):
    """The sandbox in a file of this test's own; email into the local mailbox."""
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYMENT_SANDBOX_PATH = str(tmp_path / "payments-sandbox.sqlite3")
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    settings.MAILBOX_ECHO = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMOKE_TOKEN = ""
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def site(live_server, settings):
    """A catalogue with one instant-book villa (no driving licence needed) and a car."""
    settings.SITE_URL = live_server.url
    make_asset("cars", slug="smoke-car")
    return make_asset("villas", slug="smoke-villa", pricing_unit="night", max_advance_days=365)


def steps_of(run: SmokeRun) -> dict[str, dict]:
    return {step["name"]: step for step in run.steps}


def smoke_bookings() -> list[Booking]:
    return [
        b for b in Booking.objects.select_related("customer") if is_smoke_email(b.customer.email)
    ]


def assert_cleaned_up(asset: Asset) -> None:
    """Every smoke booking ended cancelled/refunded, its slot free (no active reservation)."""
    from midas.bookings.selectors import is_free

    bookings = smoke_bookings()
    assert bookings
    for booking in bookings:
        assert booking.status in {"refunded", "cancelled"}, booking.status
        assert is_free(booking.asset, booking.start, booking.end)


def run_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("smoke", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


# --- the journey against a live server ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_step_passes_against_this_deployment(site):
    run = run_smoke(via="cli", mail_wait=5, nudge_after=0)

    assert run.ok, run.steps
    assert [s["name"] for s in run.steps] == list(smoke.STEPS)
    assert all(isinstance(s["ms"], int) and s["ms"] >= 0 for s in run.steps)
    steps = steps_of(run)
    assert "smoke-villa" in steps["booking"]["detail"]
    assert "sandbox mode" in steps["payment"]["detail"]
    assert "slot free again" in steps["cleanup"]["detail"]
    # The booking was really paid, then refunded in full; its dates are free again.
    (booking,) = smoke_bookings()
    assert booking.status == "refunded"
    assert booking.refund_minor == booking.total_minor > 0
    assert_cleaned_up(site)
    # The confirmation left the outbox and reached the (local) mailbox.
    email = booking.customer.email
    sent = OutboxMessage.objects.get(to=email, template="booking_confirmed")
    assert sent.status == "sent"
    assert MailboxMessage.objects.filter(recipient=email, message_id=sent.message_id).exists()
    # The concierge desk is not told of the smoke's routine booking and cancellation.
    assert not OutboxMessage.objects.filter(dedupe_key__contains=booking.reference + ":staff")
    kept = SmokeRun.objects.get(pk=run.pk)
    assert kept.ok and kept.finished_at >= kept.started_at and kept.via == "cli"
    assert latest_smoke() == kept


@pytest.mark.django_db(transaction=True)
def test_another_deployment_through_the_smoke_api_and_the_command(site, live_server, settings):
    settings.SITE_URL = DEAD  # proves the URL given is the one checked
    settings.SMOKE_TOKEN = TOKEN

    code, out, err = run_command(live_server.url, "--json", "--timeout", "10", "--nudge-after", "0")

    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] is True and report["base_url"] == live_server.url
    assert [s["name"] for s in report["steps"]] == list(smoke.STEPS)
    assert all(s["ok"] for s in report["steps"])
    assert_cleaned_up(site)
    assert SmokeRun.objects.get(pk=report["id"]).ok


@pytest.mark.django_db(transaction=True)
def test_another_deployment_without_a_token_cannot_pass(site, live_server, monkeypatch):
    monkeypatch.setattr(smoke, "on_this_machine", lambda url: False)  # as if it were remote
    run = run_smoke(live_server.url)

    steps = steps_of(run)
    assert not run.ok
    assert steps["home"]["ok"] and steps["registration"]["ok"]
    assert steps["sign_in"]["detail"] == "skipped: needs SMOKE_TOKEN"
    assert not steps["booking"]["ok"] and not steps["payment"]["ok"]
    assert not steps["email"]["ok"]


@pytest.mark.django_db(transaction=True)
def test_a_server_on_this_machine_is_checked_without_a_token(site, live_server, settings):
    settings.SITE_URL = DEAD  # the URL given is the one checked (the drill's own server)
    run = run_smoke(live_server.url, via="drill", mail_wait=5)  # the drill: no wait for a worker
    assert run.ok, run.steps
    assert_cleaned_up(site)


@pytest.mark.django_db(transaction=True)
def test_the_access_gate_lets_the_smoke_through(site, system_actor):
    from midas.launch.state import services

    services.gate_set(mode="closed", reason="soft launch rehearsal", actor=system_actor)
    assert Client().get("/").status_code == 403  # an ordinary visitor is turned away

    run = run_smoke(mail_wait=5, nudge_after=0)

    assert run.ok, run.steps
    assert_cleaned_up(site)


def test_loopback_addresses_are_this_machine():
    assert smoke.on_this_machine("http://127.0.0.1:8000")
    assert smoke.on_this_machine("http://127.9.9.9")
    assert smoke.on_this_machine("http://localhost:1234/")
    assert smoke.on_this_machine("http://[::1]:8000")
    assert not smoke.on_this_machine("https://midas-lifestyle.com")
    assert not smoke.on_this_machine("http://10.0.0.5")


@pytest.mark.django_db(transaction=True)
def test_a_declined_card_fails_the_run_and_still_frees_the_slot(site, monkeypatch):
    monkeypatch.setattr(smoke_journey, "TEST_CARD", "4000000000000002")  # the sandbox declines it

    code, out, err = run_command()

    assert code == 1
    assert "FAIL  payment" in out and "declined" in out
    assert "Traceback" not in out + err
    run = SmokeRun.objects.get()
    steps = steps_of(run)
    assert not run.ok and not steps["payment"]["ok"]
    assert steps["email"]["detail"].startswith("not run")
    assert steps["cleanup"]["ok"], steps["cleanup"]
    assert "nothing paid" in steps["cleanup"]["detail"]
    assert_cleaned_up(site)


@pytest.mark.django_db(transaction=True)
def test_a_slow_home_page_fails(site, settings):
    settings.SMOKE_HOME_MAX_MS = -1

    run = run_smoke(mail_wait=5, nudge_after=0)

    steps = steps_of(run)
    assert not run.ok and not steps["home"]["ok"]
    assert "slowly" in steps["home"]["detail"]
    assert all(steps[name]["ok"] for name in smoke.STEPS if name != "home")


@pytest.mark.django_db(transaction=True)
def test_a_live_stripe_key_is_refused_without_charging(site, live_server, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_live_" + "x" * 24
    settings.STRIPE_API_BASE = DEAD  # were anything sent to "Stripe", it would fail loudly

    run = run_smoke(mail_wait=5, nudge_after=0)

    steps = steps_of(run)
    assert not run.ok
    assert not steps["payment"]["ok"] and "live" in steps["payment"]["detail"]
    assert steps["cleanup"]["ok"], steps["cleanup"]
    (booking,) = smoke_bookings()
    assert not booking.payments.exists()  # nothing charged, nothing even tried
    assert_cleaned_up(site)

    # The same deployment checked from elsewhere: its smoke API says the key is live.
    settings.SMOKE_TOKEN = TOKEN
    remote = run_smoke(live_server.url, mail_wait=5, nudge_after=0)
    payment = steps_of(remote)["payment"]
    assert not payment["ok"] and "live" in payment["detail"]
    assert not any(b.payments.exists() for b in smoke_bookings())
    assert_cleaned_up(site)


class FakeBackstage:
    """Outbox states in turn, as a deployment's would move."""

    def __init__(self, *states: dict) -> None:
        self.states, self.nudges = list(states), 0

    def mail(self, to: str, template: str) -> dict:
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]

    def nudge(self) -> dict:
        self.nudges += 1
        return {"claimed": 0, "sent": 0}


def email_step(backstage: FakeBackstage, **kwargs) -> dict:
    from midas.launch.smoke.client import Http

    journey = smoke_journey.Journey(Http(DEAD, 1), backstage, run_tag="1.a", local=True, **kwargs)
    journey.paid, journey.address = True, "smoke+1.a@example.com"
    return journey.step("email")


def test_the_email_step_leaves_the_worker_its_turn_then_nudges(monkeypatch):
    monkeypatch.setattr(smoke_journey.time, "sleep", lambda seconds: None)
    pending = {"found": True, "status": "pending", "attempts": 0, "last_error": ""}
    sent = {"found": True, "status": "sent", "sent_at": "t", "sent_by": "worker-1"}

    by_worker = FakeBackstage(pending, pending, sent)
    step = email_step(by_worker, mail_wait=60, nudge_after=60)
    assert step["ok"] and "by worker-1" in step["detail"]
    assert by_worker.nudges == 0  # the worker sent it within its turn

    nudged = FakeBackstage(pending, sent)
    assert email_step(nudged, mail_wait=60, nudge_after=0)["ok"]
    assert nudged.nudges == 1

    stuck = email_step(FakeBackstage(pending), mail_wait=0, nudge_after=0)
    assert not stuck["ok"] and "still pending" in stuck["detail"]
    failed = FakeBackstage({"found": True, "status": "failed", "last_error": "550 no such user"})
    step = email_step(failed, mail_wait=60)
    assert not step["ok"] and "550 no such user" in step["detail"]
    missing = email_step(FakeBackstage({"found": False}), mail_wait=60)
    assert not missing["ok"] and "no booking_confirmed email" in missing["detail"]


def test_payment_mode_counts_anything_but_a_test_key_as_live(settings):
    from midas.launch.smoke.server import payment_mode

    settings.PAYMENT_PROVIDER = "sandbox"
    assert payment_mode() == "sandbox"
    settings.PAYMENT_PROVIDER = "stripe"
    for key, mode in [
        ("sk_test_abc", "stripe_test"),
        ("rk_test_abc", "stripe_test"),
        ("sk_live_abc", "stripe_live"),
        ("rk_live_abc", "stripe_live"),
        ("something_else", "stripe_live"),
    ]:
        settings.STRIPE_SECRET_KEY = key
        assert payment_mode() == mode, key


# --- a deployment that does not answer ------------------------------------------------------


@pytest.mark.django_db
def test_a_dead_port_fails_every_step_cleanly():
    code, out, err = run_command(DEAD, "--json", "--timeout", "2")

    assert code == 1
    assert "Traceback" not in out + err
    report = json.loads(out)
    assert report["ok"] is False
    assert [s["name"] for s in report["steps"]] == list(smoke.STEPS)
    assert not any(s["ok"] for s in report["steps"])
    assert all(s["detail"] for s in report["steps"])
    assert "refused" in report["steps"][0]["detail"].lower()


def test_a_spent_time_budget_stops_the_requests():
    from midas.launch.smoke.client import Http

    spent = Http("http://127.0.0.1:9", 5, budget=0)
    answer = spent.call("GET", "/")
    assert not answer.answered and "time budget (0 s) was spent" in answer.error
    assert "time budget" in spent.call("GET", "/api/v1/assets").error


@pytest.mark.django_db
def test_bad_usage_exits_2():
    code, _, err = run_command("ftp://example.com")
    assert code == 2 and "invalid_input" in err
    with pytest.raises(AppError):
        run_smoke("not a url")
    assert not SmokeRun.objects.exists()


# --- the smoke API --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_smoke_api_is_absent_without_a_token_and_refuses_a_wrong_one(settings):
    client = Client()
    assert client.get("/api/v1/smoke/info").status_code == 404
    assert client.get("/api/v1/smoke/info", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404

    settings.SMOKE_TOKEN = TOKEN
    wrong = client.get("/api/v1/smoke/info", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth_required"
    assert client.get("/api/v1/smoke/info").status_code == 401
    right = client.get("/api/v1/smoke/info", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert right.status_code == 200
    assert right.json() == {"email_domain": "example.com", "payments": "sandbox", "release": "dev"}


@pytest.mark.django_db
def test_the_smoke_api_touches_only_smoke_accounts(settings):
    from tests.factories import make_customer

    settings.SMOKE_TOKEN = TOKEN
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    customer = make_customer("ada@example.com", verified=False)
    client = Client()
    refused = client.post(
        "/api/v1/smoke/verify", {"email": customer.email}, content_type="application/json", **auth
    )
    assert refused.status_code == 403
    customer.refresh_from_db()
    assert not customer.is_email_verified
    mail = client.get("/api/v1/smoke/mail", {"to": customer.email}, **auth)
    assert mail.status_code == 403

    smoker = make_customer("smoke+7.abc@example.com", verified=False)
    done = client.post(
        "/api/v1/smoke/verify", {"email": smoker.email}, content_type="application/json", **auth
    )
    assert done.status_code == 200 and done.json() == {"email": smoker.email, "verified": True}
    smoker.refresh_from_db()
    assert smoker.is_email_verified
    status = client.get("/api/v1/smoke/mail", {"to": smoker.email, "template": "welcome"}, **auth)
    assert status.json()["found"] is True and status.json()["status"] == "pending"
    assert client.post("/api/v1/smoke/mail/deliver", **auth).json()["sent"] >= 1
    status = client.get("/api/v1/smoke/mail", {"to": smoker.email, "template": "welcome"}, **auth)
    assert status.json()["status"] == "sent" and status.json()["in_mailbox"] is True


def test_smoke_emails_are_recognisable(settings):
    assert is_smoke_email("smoke+12.a1b2c3@example.com")
    assert is_smoke_email("SMOKE+1@Example.com")
    assert not is_smoke_email("smoke@example.com")
    assert not is_smoke_email("smoke+@example.com")
    assert not is_smoke_email("ada@example.com")
    assert not is_smoke_email("smoke+1@midas-lifestyle.com")
    assert not is_smoke_email("")
    assert not is_smoke_email(None)
    settings.SMOKE_EMAIL_DOMAIN = "smoke.midas.test"
    assert is_smoke_email("smoke+1@smoke.midas.test")
    assert is_smoke_email("smoke+1@example.com")  # runs made before the domain was set


def test_far_windows_stay_inside_the_horizon():
    today = dt.date(2027, 1, 4)
    windows = smoke_journey.far_windows(
        {"max_advance_days": 365, "min_notice_hours": 24, "min_duration": 3}, today=today
    )
    assert windows[0] == ("2027-12-12", "2027-12-15")  # 365 - 20 - 3 days ahead
    assert len(windows) == 3
    short = smoke_journey.far_windows({"max_advance_days": 10, "min_notice_hours": 48}, today=today)
    assert short[0][0] == "2027-01-08"  # the notice, not the horizon, decides
    hourly = smoke_journey.far_windows(
        {"max_advance_days": 60, "pricing_unit": "hour", "min_duration": 4}, today=today
    )
    assert hourly[0] == ("2027-02-12T10:00", "2027-02-12T14:00")


# --- the worker's job and the console -------------------------------------------------------


@pytest.mark.django_db
def test_the_job_runs_only_while_a_launch_is_under_way(settings, system_actor):
    from midas.jobs.schedule import discover
    from midas.launch.smoke.jobs import launch_smoke
    from midas.launch.state import services

    assert discover()["launch_smoke"].every == dt.timedelta(minutes=15)
    settings.SITE_URL = DEAD

    assert launch_smoke.call() is None  # pre-launch: nothing
    assert not SmokeRun.objects.exists()

    services.phase_set(phase="freeze", reason="test", actor=system_actor)
    run_id = launch_smoke.call()
    run = SmokeRun.objects.get(pk=run_id)
    assert run.via == "worker" and run.base_url == DEAD and not run.ok


@pytest.mark.django_db
def test_a_failing_run_after_a_passing_one_tells_the_team():
    earlier = timezone.now() - dt.timedelta(minutes=15)
    SmokeRun.objects.create(
        started_at=earlier,
        finished_at=earlier + dt.timedelta(seconds=9),
        base_url="http://x",
        ok=True,
    )
    run = run_smoke(DEAD, timeout=1)
    assert not run.ok
    event = LaunchEvent.objects.get(action="launch.smoke.failed")
    assert event.details["run"] == run.pk and "home" in event.details["failed"]
    run_smoke(DEAD, timeout=1)  # still failing: told once
    assert LaunchEvent.objects.filter(action="launch.smoke.failed").count() == 1


@pytest.mark.django_db
def test_the_console_lists_runs_and_queues_one(client, coordinator, executive):
    from django_tasks_db.models import DBTaskResult

    SmokeRun.objects.create(
        started_at=dt.datetime(2027, 1, 4, 11, tzinfo=dt.UTC),
        finished_at=dt.datetime(2027, 1, 4, 11, 1, tzinfo=dt.UTC),
        base_url="http://site",
        ok=False,
        steps=[{"name": "home", "ok": False, "ms": 12, "detail": "HTTP 500"}],
    )
    client.force_login(executive)
    page = client.get("/ops/launch/smoke")
    assert page.status_code == 200
    assert b"HTTP 500" in page.content and b"Run now" not in page.content
    assert client.post("/ops/launch/smoke/run").status_code == 403
    assert not DBTaskResult.objects.exists()

    client.force_login(coordinator)
    assert b"Run now" in client.get("/ops/launch/smoke").content
    answer = client.post("/ops/launch/smoke/run")
    assert answer.status_code == 302
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("launch_smoke_now")
    assert LaunchEvent.objects.filter(action="launch.smoke.requested").count() == 1


def test_smoke_requests_are_recognised_for_the_access_gate(settings, rf, monkeypatch):
    from django.core import signing

    from midas.core.synthetic import is_synthetic_request as is_smoke_request
    from midas.core.synthetic import visitor_pass

    settings.SMOKE_TOKEN = ""
    assert not is_smoke_request(rf.get("/", HTTP_X_SMOKE_TOKEN=""))
    assert not is_smoke_request(rf.get("/"))
    settings.SMOKE_TOKEN = TOKEN
    assert is_smoke_request(rf.get("/", HTTP_X_SMOKE_TOKEN=TOKEN))
    assert not is_smoke_request(rf.get("/", HTTP_X_SMOKE_TOKEN=TOKEN + "x"))
    assert not is_smoke_request(rf.get("/"))
    # Without a token, this deployment's own runs carry a short-lived signed pass.
    settings.SMOKE_TOKEN = ""
    fresh = visitor_pass()
    assert is_smoke_request(rf.get("/", HTTP_X_SMOKE_TOKEN=fresh))
    assert not is_smoke_request(rf.get("/", HTTP_X_SMOKE_TOKEN=fresh[:-2] + "xx"))
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 16 * 60)  # expired
    assert not is_smoke_request(rf.get("/", HTTP_X_SMOKE_TOKEN=fresh))
