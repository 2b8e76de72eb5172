"""The flags console page: states and who changed them, a form per flag (reason required),
permissions checked on the server, snapshots and the restore."""

from __future__ import annotations

import pytest

from midas.flags import selectors as flag_reads
from midas.flags.models import Flag
from midas.launch.models import FlagSnapshot, LaunchEvent

pytestmark = pytest.mark.django_db

URL = "/ops/launch/flags"


def test_page_lists_every_flag_with_a_form_each(client, coordinator):
    client.force_login(coordinator)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("registration", "booking", "payments", "live_chat", "reviews", "vip_services"):
        assert f'id="flag-{key}"' in html
        assert f'action="/ops/launch/flags/{key}"' in html
    assert "does not exist yet" in html
    assert ">Flags</a>" in html  # in the console navigation


def test_a_change_is_made_and_shows_who(client, coordinator):
    client.force_login(coordinator)
    response = client.post(URL + "/booking", {"state": "off", "reason": "checkout bug"})
    assert response.status_code == 302
    assert not flag_reads.flag_enabled("booking")
    html = client.get(URL).content.decode()
    row = html.split('id="flag-booking"')[1].split("</tr>")[0]
    assert "Off" in row and coordinator.email in row
    assert LaunchEvent.objects.get(action="launch.flag.changed").via == "console"


def test_percent_from_the_form(client, coordinator):
    client.force_login(coordinator)
    client.post(URL + "/reviews", {"state": "percent", "percent": "25", "reason": "try"})
    row = Flag.objects.get(key="reviews")
    assert (row.state, row.percent) == ("percent", 25)


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("/booking", {"state": "off"}, 400),  # no reason
        ("/booking", {"state": "sometimes", "reason": "x"}, 400),
        ("/booking", {"state": "percent", "percent": "0", "reason": "x"}, 400),
        ("/teleport", {"state": "on", "reason": "x"}, 404),
    ],
)
def test_bad_input_changes_nothing(client, coordinator, path, data, status):
    client.force_login(coordinator)
    response = client.post(URL + path, data)
    assert response.status_code == status
    assert not Flag.objects.exists() and not LaunchEvent.objects.exists()


def test_executive_reads_but_may_not_change(client, executive):
    client.force_login(executive)
    html = client.get(URL).content.decode()
    assert 'action="/ops/launch/flags/booking"' not in html
    assert client.post(URL + "/booking", {"state": "off", "reason": "x"}).status_code == 403
    assert flag_reads.flag_enabled("booking")


def test_concierge_staff_get_403_and_customers_404(client, concierge_staff):
    from tests.factories import make_customer

    client.force_login(concierge_staff)
    assert client.get(URL).status_code == 403
    client.force_login(make_customer())
    assert client.get(URL).status_code == 404


def test_snapshot_restore_and_add(client, operator):
    client.force_login(operator)
    assert client.post(URL + "/snapshot", {"reason": "GO"}).status_code == 302
    assert FlagSnapshot.objects.get().good
    client.post(URL + "/payments", {"state": "off", "reason": "incident"})
    assert not flag_reads.flag_enabled("payments")
    assert client.post(URL + "/restore", {"reason": "recovered"}).status_code == 302
    assert flag_reads.flag_enabled("payments")
    assert client.post(URL + "/add", {"key": "gift_cards", "reason": "new"}).status_code == 302
    assert 'id="flag-gift_cards"' in client.get(URL).content.decode()
