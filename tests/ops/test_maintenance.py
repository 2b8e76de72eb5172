"""Maintenance mode: customers get a branded 503 with Retry-After; staff and exactly the
open paths keep working."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from midas.cli import main as midas_main
from midas.ops import selectors
from midas.ops.selectors import maintenance_state
from midas.ops.services import maintenance_disable, maintenance_enable

pytestmark = pytest.mark.django_db

# Written out here, apart from the code's own list, on purpose.
OPEN_PATHS = {
    "/healthz",
    "/readyz",
    "/status",
    "/metrics",
    "/api/v1/payments/stripe/webhook",
    "/account/login/",  # staff sign in; a customer who does is still held back elsewhere
}
# the last two: the launch's acknowledgement links and PagerDuty's webhook (someone on call
# acknowledges while the rollback's maintenance is on)
OPEN_PREFIXES = ("/status/", "/admin/", "/static/", "/launch/ack/", "/launch/pagerduty/")


def sample_path(parts: list[str]) -> str:
    """A concrete path for a URL pattern: converters and groups become a sample value."""
    path = "".join(parts)
    path = re.sub(r"<(?:int:)[^>]+>", "1", path)
    path = re.sub(r"<[^>]+>", "x", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    path = re.sub(r"[()?*+|\[\]]", "", path)
    return "/" + path


def all_paths() -> list[str]:
    found: set[str] = set()

    def walk(patterns, prefix: list[str]) -> None:
        for entry in patterns:
            here = [*prefix, str(entry.pattern)]
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, here)
            elif isinstance(entry, URLPattern):
                found.add(sample_path(here))

    walk(get_resolver().url_patterns, [])
    return sorted(found | {"/static/web/site.css", "/status/summary.json"})


def expected_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def test_the_url_list_covers_the_site():
    paths = all_paths()
    assert len(paths) > 30
    assert "/healthz" in paths and "/api/v1/payments/stripe/webhook" in paths


def path_params() -> list:
    """Every path; the launch's are marked ``launch`` (they exist only with it installed)."""
    launch = ("/launch/", "/ops/launch/", "/api/v1/smoke/")
    return [
        pytest.param(p, marks=pytest.mark.launch) if p.startswith(launch) else p
        for p in all_paths()
    ]


@pytest.mark.parametrize("path", path_params())
def test_maintenance_lets_exactly_the_listed_paths_through(client, path):
    maintenance_enable(message="Polishing the fleet", retry_after=120)
    for method in (client.get, client.post):
        response = method(path)
        if expected_open(path):
            assert response.get("X-Maintenance") != "on", path
        else:
            assert response.status_code == 503, path
            assert response["Retry-After"] == "120"
            assert response["X-Maintenance"] == "on"


def test_customers_get_the_branded_page_and_api_clients_json(client, django_user_model):
    maintenance_enable(message="Back at 06:00 EST", retry_after=900)
    page = client.get("/")
    assert page.status_code == 503
    assert page["Retry-After"] == "900"
    assert "Back at 06:00 EST" in page.content.decode()
    assert "Midas The Lifestyle" in page.content.decode()
    api = client.get("/api/v1/assets")
    assert api.status_code == 503
    assert api.json() == {"code": "maintenance", "message": "Back at 06:00 EST"}
    customer = django_user_model.objects.create_user("guest@example.com", "a-long-password-1")
    client.force_login(customer)
    assert client.get("/").status_code == 503


def test_staff_keep_working(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "staff@example.com", "a-long-password-1", is_staff=True
    )
    maintenance_enable(message="", retry_after=60)
    client.force_login(staff)
    response = client.get("/")
    assert response.status_code == 200
    assert response.get("X-Maintenance") != "on"


def test_off_serves_customers_again(client):
    maintenance_enable(message="x")
    assert client.get("/").status_code == 503
    maintenance_disable()
    assert client.get("/").status_code == 200


def test_state_is_read_through_a_short_cache(django_assert_num_queries):
    maintenance_enable(message="cached")
    selectors.MAINTENANCE.forget()
    with django_assert_num_queries(2):  # the switch's row and the next planned window
        assert maintenance_state().enabled
        assert maintenance_state().enabled  # second read remembered
    assert selectors.MAINTENANCE.peek().message == "cached"


def test_midas_maintenance_reaches_the_command(monkeypatch):
    import midas.cli

    seen = []
    monkeypatch.setattr(midas.cli, "cmd_manage", lambda argv, **_: seen.append(argv) or 0)
    assert midas_main(["maintenance", "on", "--message", "m"]) == 0
    assert seen == [["maintenance", "on", "--message", "m"]]


def test_command_on_status_off(capsys):
    call_command("maintenance", "on", "--message", "Upgrading", "--retry-after", "300")
    state = maintenance_state(fresh=True)
    assert state.enabled and state.message == "Upgrading" and state.retry_after == 300
    call_command("maintenance", "status")
    assert "ON" in capsys.readouterr().out
    call_command("maintenance", "off")
    assert not maintenance_state(fresh=True).enabled
    call_command("maintenance", "status")
    assert "off" in capsys.readouterr().out
