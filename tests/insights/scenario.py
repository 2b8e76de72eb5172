"""A scripted day of visits with a hand count of every figure (issue 12, "Done when").

Day D (2027-03-01, UTC), pinned clock; the assets: car A in Washington DC, yacht B in Dubai.

  V1 bob, phone, signed in  09:00 home, 09:02 A, 09:05 A with dates (quote), 09:08 checkout A,
                            pays 09:10, 09:11 the confirmation, beacon 09:12 (load 1.5 s) —
                            then 11:00 home (a new session: bounce)
  V2 desktop, anonymous     10:00 home, beacon 10:01 — bounce
  V3 tablet, anonymous      10:00 /collection/cars/, 10:10 B
  V4 ana, phone, signed in  12:00 /about/, beacon 12:01 (load 2.5 s) — bounce; back on D+3
  V5 desktop, agreed (rv)   13:00 home — bounce
  a bot and a staff member  not counted
  D-1: one anonymous desktop visitor, two pages (the previous period)

Hand count for D: visitors 5, sessions 6, bounces 4 (66.7 %), page views 11 (1.83 per
session), session time 720 + 0 + 60 + 600 + 60 + 0 = 1440 s (4 min 00 s average), mobile
visitors 2 of 5 (40 %), mobile load (1.5 + 2.5) / 2 = 2.00 s; funnel 6 → 2 → 1 → 1 → 1;
return visitors 1 of 3 (ana came back; bob and the rv visitor did not): 33.3 %;
registrations 2 (bob, ana), bookings 1 (bob's, paid 09:10), conversion 1 / 5 = 20 %.
"""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from midas.insights.recorder import RECORDER
from midas.insights.services import rollup_day
from tests.factories import make_asset, make_city, make_driver, make_paid_booking, make_staff
from tests.insights.conftest import DESKTOP, PHONE, TABLET
from tests.pinned import pin_now

D = dt.date(2027, 3, 1)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=dt.UTC)


def browser(agent: str, ip: str) -> Client:
    return Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)


def beacon(client: Client, path: str, visible_ms: int, load_ms: int | None = None) -> None:
    body = {"p": path, "t": visible_ms, **({"l": load_ms} if load_ms else {})}
    response = client.post(
        "/insights/beacon",
        json.dumps(body),
        content_type="text/plain",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 204, response.content


def play(monkeypatch) -> dict:
    clock = pin_now(monkeypatch, at(D - dt.timedelta(days=1), 15))
    car = make_asset("cars", location=make_city("washington-dc"))
    yacht = make_asset("yachts", location=make_city("dubai"))
    bob = make_driver(email="bob@example.com", date_joined=at(D, 8))
    ana = make_driver(email="ana@example.com", date_joined=at(D, 11))

    before = browser(DESKTOP, "203.0.113.99")
    before.get("/")
    clock.set(at(D - dt.timedelta(days=1), 15, 5))
    before.get("/about/")

    v1 = browser(PHONE, "198.51.100.1")
    v1.force_login(bob)
    for hh, mm, url in [
        (9, 0, "/"),
        (9, 2, car.get_absolute_url()),
        (9, 5, car.get_absolute_url() + "?start=2027-03-20T10:00&end=2027-03-22T10:00"),
        (9, 8, f"/bookings/checkout/{car.slug}/?start=2027-03-20T10:00&end=2027-03-22T10:00"),
    ]:
        clock.set(at(D, hh, mm))
        assert v1.get(url).status_code == 200, url
    clock.set(at(D, 9, 10))
    booking = make_paid_booking(customer=bob, asset=car, now=at(D, 9, 10), days_ahead=19)
    clock.set(at(D, 9, 11))
    assert v1.get(f"/bookings/{booking.reference}/confirmation/").status_code == 200
    clock.set(at(D, 9, 12))
    beacon(v1, car.get_absolute_url(), 240_000, 1500)

    v2, v3 = browser(DESKTOP, "198.51.100.2"), browser(TABLET, "198.51.100.3")
    clock.set(at(D, 10))
    v2.get("/")
    v3.get("/collection/cars/")
    clock.set(at(D, 10, 1))
    beacon(v2, "/", 60_000)
    clock.set(at(D, 10, 10))
    v3.get(yacht.get_absolute_url())

    clock.set(at(D, 11))
    v1.get("/")

    v4 = browser(PHONE, "198.51.100.4")
    v4.force_login(ana)
    clock.set(at(D, 12))
    v4.get("/about/")
    clock.set(at(D, 12, 1))
    beacon(v4, "/about/", 60_000, 2500)

    v5 = browser(DESKTOP, "198.51.100.5")
    v5.post("/privacy/return-visits", {"remember": "yes"})
    clock.set(at(D, 13))
    v5.get("/")

    browser("Googlebot/2.1", "66.249.66.1").get("/")
    team = browser(DESKTOP, "10.0.0.9")
    team.force_login(make_staff())
    team.get("/")

    clock.set(at(D + dt.timedelta(days=3), 9))
    v4.get("/")  # ana comes back within a week

    RECORDER.flush()
    for day in (D - dt.timedelta(days=1), D, D + dt.timedelta(days=3)):
        rollup_day(day=day)
    clock.set(at(D + dt.timedelta(days=4), 9))
    return {"car": car, "yacht": yacht, "bob": bob, "ana": ana, "booking": booking}
