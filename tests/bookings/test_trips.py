"""Jets priced as trips: flight time from the great-circle distance at the jet's speed, an
hourly rate with a minimum per leg, positioning legs, the return leg, the occupied period."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import pytest

from midas.bookings.pricing import Route, quote
from midas.bookings.pricing.trips import TAXI_CLIMB_MINUTES, great_circle_km
from midas.bookings.selectors import is_free
from midas.bookings.services import booking_create
from midas.catalog.models import Airport
from midas.catalog.pricing_demo import seed_airports
from midas.errors import AppError, ErrorCode
from tests.bookings.pricing_rules import at, make_jet
from tests.factories import NOW, make_driver

DUBAI = zoneinfo.ZoneInfo("Asia/Dubai")
HOUSTON = zoneinfo.ZoneInfo("America/Chicago")

pytestmark = pytest.mark.django_db


def minutes_between(a: str, b: str, speed: int = 900) -> int:
    km = great_circle_km(Airport.objects.get(iata=a), Airport.objects.get(iata=b))
    return math.ceil(km / speed * 60) + TAXI_CLIMB_MINUTES


def price(minutes: int, hourly: int = 6_000_000) -> int:
    return (hourly * minutes * 2 + 60) // 120


def test_the_airports_are_seeded_with_the_six_cities_and_beyond():
    seed_airports()  # what the data migration does (a transactional test may have flushed it)
    codes = set(Airport.objects.values_list("iata", flat=True))
    assert {"DXB", "DWC", "DCA", "IAD", "BWI", "IAH", "HOU", "ATL"} <= codes
    assert {"LHR", "LTN", "LBG", "NCE", "JFK", "TEB", "MIA", "LAS"} <= codes
    assert Airport.objects.get(iata="IAD").timezone == "America/New_York"


def test_dubai_to_washington_is_priced_by_flight_time():
    jet = make_jet("DXB")
    departure = at(10, 10, DUBAI)
    q = quote(asset=jet, start=departure, now=NOW, route=Route("DXB", "IAD"))
    km = great_circle_km(Airport.objects.get(iata="DXB"), Airport.objects.get(iata="IAD"))
    assert 11_000 < km < 11_500  # about 11,000 km (11,355 on the great circle)
    minutes = minutes_between("DXB", "IAD")
    assert 12 * 60 < minutes < 13 * 60 + 30  # 12.6 h at 900 km/h, plus taxi and climb
    leg, home = [line for line in q.lines if line.kind == "rental"]
    assert leg.code == "flight" and leg.label.startswith("DXB → IAD · 13 h")
    assert leg.amount == price(minutes)
    # based at the origin: no positioning out; one way, it flies home empty at once
    assert [x.kind for x in q.trip.legs] == ["flight", "positioning"]
    assert home.label.startswith("Positioning IAD → DXB") and home.amount == price(
        minutes_between("IAD", "DXB")
    )
    assert q.start == departure
    assert q.trip.arrival == departure + dt.timedelta(minutes=minutes)
    assert q.end == q.trip.arrival + dt.timedelta(minutes=minutes_between("IAD", "DXB"))
    assert q.total == sum(line.amount for line in q.lines)
    fee = ((leg.amount + home.amount) * 500 * 2 + 10_000) // 20_000
    assert q.amount_of("service_fee") == fee  # Dubai: 5 % fee, 5 % VAT on the legs
    assert q.location.slug == "dubai"


def test_a_jet_based_in_dubai_flying_houston_to_atlanta_gets_positioning_legs():
    jet = make_jet("DXB")
    departure = at(10, 9, HOUSTON)
    q = quote(asset=jet, start=departure, now=NOW, route=Route("HOU", "ATL"))
    legs = [(x.kind, x.origin.iata, x.destination.iata) for x in q.trip.legs]
    assert legs == [
        ("positioning", "DXB", "HOU"),
        ("flight", "HOU", "ATL"),
        ("positioning", "ATL", "DXB"),
    ]
    rental = [line for line in q.lines if line.kind == "rental"]
    assert [line.code for line in rental] == ["positioning", "flight", "positioning"]
    assert rental[0].label.startswith("Positioning DXB → HOU")
    hou_atl = minutes_between("HOU", "ATL")
    assert hou_atl < 120  # a short hop: billed at the two-hour minimum
    assert rental[1].amount == price(120)
    assert "minimum" in rental[1].label
    assert rental[0].amount == price(minutes_between("DXB", "HOU"))
    assert rental[2].amount == price(minutes_between("ATL", "DXB"))
    # the booking's period is what the jet is occupied: from leaving Dubai to coming home
    assert q.start == departure - dt.timedelta(minutes=minutes_between("DXB", "HOU"))
    assert q.end > departure + dt.timedelta(hours=14)
    assert q.total == sum(line.amount for line in q.lines)


def test_the_return_option_adds_a_leg_and_keeps_the_jet_waiting():
    jet = make_jet("DXB")
    departure = at(10, 10, DUBAI)
    back = at(14, 18, zoneinfo.ZoneInfo("Europe/London"))
    one_way = quote(asset=jet, start=departure, now=NOW, route=Route("DXB", "LHR"))
    both = quote(asset=jet, start=departure, now=NOW, route=Route("DXB", "LHR", back))
    # one way, the jet flies home empty at once; with the return, it waits in London and
    # the flight home is the customer's return leg
    assert [x.kind for x in one_way.trip.legs] == ["flight", "positioning"]
    assert [x.kind for x in both.trip.legs] == ["flight", "return"]
    (ret,) = [line for line in both.lines if line.code == "return"]
    assert ret.label.startswith("Return LHR → DXB")
    assert ret.amount == price(minutes_between("LHR", "DXB"))
    assert both.end == back + dt.timedelta(minutes=minutes_between("LHR", "DXB"))
    assert one_way.end < both.end  # the calendar blocks the wait in London too


def test_a_return_trip_from_elsewhere_has_four_legs():
    jet = make_jet("DXB")
    departure = at(10, 9, HOUSTON)
    back = at(12, 17, zoneinfo.ZoneInfo("America/New_York"))
    q = quote(asset=jet, start=departure, now=NOW, route=Route("HOU", "ATL", back))
    legs = [(x.kind, x.origin.iata, x.destination.iata) for x in q.trip.legs]
    assert legs == [
        ("positioning", "DXB", "HOU"),
        ("flight", "HOU", "ATL"),
        ("return", "ATL", "HOU"),
        ("positioning", "HOU", "DXB"),
    ]
    one_way = quote(asset=jet, start=departure, now=NOW, route=Route("HOU", "ATL"))
    assert q.amount_of("rental") > one_way.amount_of("rental")
    assert q.total == sum(line.amount for line in q.lines)


def test_a_return_before_landing_is_refused():
    jet = make_jet("DXB")
    departure = at(10, 10, DUBAI)
    with pytest.raises(AppError) as caught:
        quote(
            asset=jet,
            start=departure,
            now=NOW,
            route=Route("DXB", "LHR", departure + dt.timedelta(hours=2)),
        )
    assert caught.value.code == ErrorCode.INVALID_RANGE and caught.value.field == "return_at"


@pytest.mark.parametrize(
    ("route", "field"),
    [
        (None, "origin"),
        (Route("", "IAD"), "origin"),
        (Route("XXX", "IAD"), "origin"),
        (Route("DXB", "DXB"), "destination"),
        (Route("DXB", "HND"), "destination"),  # 7,900 km: past this jet's 7,000
    ],
)
def test_bad_routes_get_route_invalid(route, field):
    jet = make_jet("DXB", specs={"range_km": 7_000, "passengers": 14, "speed_kmh": 900})
    with pytest.raises(AppError) as caught:
        quote(asset=jet, start=at(10, 10, DUBAI), now=NOW, route=route)
    assert caught.value.code == ErrorCode.ROUTE_INVALID
    assert caught.value.field == field


def test_a_leg_beyond_the_jets_range_says_so():
    jet = make_jet("DXB", specs={"range_km": 5_000, "passengers": 8, "speed_kmh": 800})
    with pytest.raises(AppError) as caught:
        quote(asset=jet, start=at(10, 10, DUBAI), now=NOW, route=Route("DXB", "IAD"))
    assert "range" in caught.value.message and caught.value.code == ErrorCode.ROUTE_INVALID


def test_positioning_counts_against_the_notice():
    jet = make_jet("DXB")
    # the departure from Houston is 30 hours away, but the jet needs ~15 hours to get there
    departure = NOW + dt.timedelta(hours=30)
    with pytest.raises(AppError) as caught:
        quote(asset=jet, start=departure, now=NOW, route=Route("IAH", "ATL"))
    assert caught.value.code == ErrorCode.INSIDE_MIN_NOTICE
    assert "IAH" in caught.value.message


def test_the_booking_blocks_the_whole_trip_and_keeps_the_route():
    jet = make_jet("DXB")
    departure = at(10, 9, HOUSTON)
    customer = make_driver()
    asked = {"customer": customer, "asset": jet, "start": departure, "now": NOW}
    booking = booking_create(**asked, route=Route("HOU", "ATL"), guests=6, idempotency_key="k1")
    assert booking.start < departure and booking.end > departure + dt.timedelta(hours=14)
    assert booking.guests == 6
    assert booking.trip["origin"] == "HOU" and booking.trip["destination"] == "ATL"
    assert [leg["kind"] for leg in booking.trip["legs"]] == ["positioning", "flight", "positioning"]
    assert booking.total_minor == sum(line["amount"] for line in booking.quote_lines)
    # the positioning flight out of Dubai is blocked for anybody else
    assert not is_free(jet, booking.start, booking.start + dt.timedelta(hours=1))
    # the same request again is the same booking; the same key for another route is refused
    again = booking_create(**asked, route=Route("HOU", "ATL"), guests=6, idempotency_key="k1")
    assert again.pk == booking.pk
    with pytest.raises(AppError) as caught:
        booking_create(**asked, route=Route("HOU", "MIA"), guests=6, idempotency_key="k1")
    assert caught.value.code == ErrorCode.IDEMPOTENCY_CONFLICT


def test_staff_set_a_jets_profile_in_major_units_in_the_admin(client):
    from django.urls import reverse

    from midas.catalog.models import JetProfile
    from tests.factories import make_asset, make_city, make_staff

    seed_airports()
    client.force_login(make_staff(is_superuser=True))
    jet = make_asset("jets", make_city("dubai"), pricing_unit="trip", specs={"passengers": 8})
    car = make_asset("cars", make_city("dubai"))
    dxb = Airport.objects.get(iata="DXB")
    url = reverse("admin:catalog_jetprofile_add")
    fields = {"base_airport": dxb.pk, "hourly_rate": "60000", "min_billed_minutes": "120"}
    refused = client.post(url, {**fields, "asset": car.pk})
    assert refused.status_code == 200 and not JetProfile.objects.exists()
    answer = client.post(url, {**fields, "asset": jet.pk})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert JetProfile.objects.get().hourly_rate_minor == 6_000_000  # AED 60,000 in fils
    listing = client.get(reverse("admin:catalog_jetprofile_changelist")).content.decode()
    assert "AED 60,000" in listing
    airports = client.get(reverse("admin:catalog_airport_changelist"), {"q": "IAD"})
    assert "Washington Dulles International" in airports.content.decode()
