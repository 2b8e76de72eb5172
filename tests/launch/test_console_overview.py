from __future__ import annotations

import pytest

from midas.launch.models import LaunchEvent, Phase
from midas.launch.state.selectors import launch_state

pytestmark = pytest.mark.django_db


def test_anonymous_goes_to_login_and_customers_get_404(client, groups):
    from tests.factories import make_customer

    response = client.get("/ops/launch/")
    assert response.status_code == 302 and "/account/" in response["Location"]
    client.force_login(make_customer())
    assert client.get("/ops/launch/").status_code == 404


def test_staff_without_the_launch_permission_get_403(client, concierge_staff):
    client.force_login(concierge_staff)
    response = client.get("/ops/launch/")
    assert response.status_code == 403
    assert b"launch.view_launch" in response.content


def test_coordinator_changes_the_phase_and_it_is_on_the_record(client, coordinator):
    client.force_login(coordinator)
    page = client.get("/ops/launch/")
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    response = client.post("/ops/launch/phase", {"phase": "freeze", "reason": "T-1 18:00"})
    assert response.status_code == 302
    assert launch_state(fresh=True).phase == Phase.FREEZE
    page = client.get("/ops/launch/").content.decode()
    assert "System freeze" in page and "T-1 18:00" in page


def test_an_operator_may_ramp_but_not_change_the_phase(client, operator):
    client.force_login(operator)
    assert client.post("/ops/launch/phase", {"phase": "freeze", "reason": "x"}).status_code == 403
    assert client.post("/ops/launch/ramp", {"percent": "25", "reason": "08:00"}).status_code == 302
    state = launch_state(fresh=True)
    assert state.phase == Phase.PRELAUNCH and state.ramp_percent == 25


def test_executive_sees_the_console_read_only(client, executive):
    client.force_login(executive)
    page = client.get("/ops/launch/").content.decode()
    assert 'action="/ops/launch/phase"' not in page
    assert client.post("/ops/launch/gate", {"mode": "closed", "reason": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/ops/launch/ramp", {"percent": "150", "reason": "too much"}),
        ("/ops/launch/ramp", {"percent": "25"}),
        ("/ops/launch/phase", {"phase": "nonsense", "reason": "x"}),
        ("/ops/launch/gate", {"mode": "open-sesame", "reason": "x"}),
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(client, coordinator, url, data):
    client.force_login(coordinator)
    assert client.post(url, data).status_code == 400
    state = launch_state(fresh=True)
    assert (state.phase, state.gate_mode, state.ramp_percent) == ("prelaunch", "public", 100)
    assert not LaunchEvent.objects.exists()


def test_a_refused_transition_is_a_409_with_the_reason(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/ops/launch/phase", {"phase": "launched", "reason": "skip ahead"})
    assert response.status_code == 409
    assert b"cannot go from prelaunch to launched" in response.content
    assert not LaunchEvent.objects.exists()
