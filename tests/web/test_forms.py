"""The collection's filter form: fields configured once per setup and shared read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from midas.web.forms import CollectionFilterForm

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 3, 1)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    """The dates' earliest day is today in each city: noon UTC on TODAY is TODAY in all."""
    noon = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: noon)


def form(query: str, categories, locations, **kwargs) -> CollectionFilterForm:
    made = CollectionFilterForm(
        QueryDict(query) or None,
        categories=categories,
        locations=locations,
        today=TODAY,
        makes={"cars": ["Ferrari", "Rolls-Royce"]},
        **kwargs,
    )
    made.is_valid()
    return made


def test_forms_with_the_same_setup_share_their_fields_not_their_dict(categories, dubai):
    first = form("city=dubai", categories, [dubai], currency="USD")
    second = form("city=nowhere&guests=-4", categories, [dubai], currency="USD")
    assert first.fields["city"] is second.fields["city"]
    assert first.fields is not second.fields  # a form may add to its own dict
    assert second.errors and not first.errors


def test_what_a_setup_shows_differs_between_setups(categories, dubai, washington):
    usd = form("", categories, [dubai, washington], currency="USD")
    aed = form("", categories, [dubai, washington], currency="AED", category=categories[0])
    assert usd.fields["price_min"].label == "Min USD / day"
    assert aed.fields["price_min"].label == "Min AED / day"
    assert [value for value, _ in usd.fields["city"].choices] == ["", "dubai", "washington-dc"]
    # every category's body styles in groups on /collection/, a category's own without
    assert all(isinstance(options, list) for _, options in usd.fields["subcategory"].choices[1:])
    assert all(isinstance(label, str) for _, label in aed.fields["subcategory"].choices)
    assert [value for value, _ in aed.fields["make"].choices] == ["", "ferrari", "rolls-royce"]
    searched = form("q=ferrari", categories, [dubai], currency="USD")
    assert searched.fields["sort"].choices[0] != usd.fields["sort"].choices[0]


def test_validating_and_rendering_a_form_leave_the_shared_fields_as_they_were(categories, dubai):
    bad = form("guests=0&start=2027-01-01&end=2026-12-01&q=x", categories, [dubai])
    html_bad = "".join(str(bad[name]) for name in bad.fields)
    assert 'aria-invalid="true"' in html_bad
    good = form("q=x", categories, [dubai])
    html_good = "".join(str(good[name]) for name in good.fields)
    assert "aria-invalid" not in html_good
    assert good.fields["guests"].widget.attrs == {
        "inputmode": "numeric",
        "step": "1",
        "min": 1,
        "max": 500,
    }
    assert good.fields["start"].widget.attrs == {"min": "2027-03-01"}
