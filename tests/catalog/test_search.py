"""The catalogue's text search (``catalog.search``), its index in step with the assets, the
filters and the prices compared like with like (``catalog.display_prices``), on SQLite (FTS5)
and PostgreSQL (full-text search) alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from midas.bookings.search import AssetSearch, search_assets
from midas.catalog.display_prices import display_rates
from midas.catalog.models import Asset, ExchangeRate, PricingUnit
from midas.catalog.search import correct, distance, parse, ranked_asset_ids, words_of
from midas.catalog.search_index import drop_sqlite_index, ensure_sqlite_index
from midas.catalog.selectors import Sort, matching
from midas.errors import AppError, ErrorCode
from tests.factories import make_asset, make_city, make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def dubai():
    return make_city("dubai", position=1)


@pytest.fixture
def dc():
    return make_city("washington-dc", position=2)


@pytest.fixture
def garage(dubai, dc):
    """Two Rolls-Royces, and others whose words only mention one."""
    made = {
        "cullinan": make_asset(
            "cars",
            dc,
            name="Rolls-Royce Cullinan",
            brand="Rolls-Royce",
            model_name="Cullinan",
            subcategory="suv",
            features=["Starlight headliner", "Rear theatre"],
            description="The quietest room in Washington, on four wheels.",
            specs={"engine": "6.75 L V12", "horsepower": 563, "top_speed_kmh": 250, "seats": 5},
        ),
        "phantom": make_asset(
            "cars",
            dubai,
            name="Phantom with chauffeur",
            brand="Rolls-Royce",
            model_name="Phantom",
            subcategory="sedan",
            pricing_unit=PricingUnit.HOUR,
            base_rate_minor=110_000,  # AED 1,100 / hour
            specs={"engine": "6.75 L V12", "horsepower": 563, "top_speed_kmh": 250, "seats": 4},
        ),
        "bentley": make_asset(
            "cars",
            dc,
            name="Bentley Flying Spur",
            brand="Bentley",
            model_name="Flying Spur",
            subcategory="sedan",
            description="As hushed as a Rolls-Royce, and quicker.",
        ),
        "chiron": make_asset(
            "cars",
            dubai,
            name="Bugatti Chiron Sport",
            brand="Bugatti",
            model_name="Chiron Sport",
            subcategory="hypercar",
            features=["Handover by a Bugatti-trained specialist"],
        ),
        "revuelto": make_asset(
            "cars",
            dubai,
            name="Lamborghini Revuelto",
            brand="Lamborghini",
            model_name="Revuelto",
            subcategory="supercar",
        ),
        "yacht": make_asset(
            "yachts",
            dubai,
            name="Benetti Oasis 40M",
            brand="Benetti",
            subcategory="motor",
            description="A beach club at the stern and a glass-bottomed pool.",
        ),
    }
    return made


def names(ids: list[int]) -> list[str]:
    by_id = dict(Asset.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [by_id[pk] for pk in ids]


ROLLS = {"Rolls-Royce Cullinan", "Phantom with chauffeur"}


@pytest.mark.parametrize(
    "typed", ["Rolls-Royce", "rolls royce", "rols royce", "ROLLS ROYCE", "Rols-Royse", "rollsroyce"]
)
def test_rolls_royce_however_typed_finds_the_rolls_royces_first(garage, typed):
    found = names(ranked_asset_ids(typed))
    assert set(found[:2]) == ROLLS, found
    assert "Bugatti Chiron Sport" not in found


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lamborgini", "Lamborghini Revuelto"),
        ("Bugati", "Bugatti Chiron Sport"),
        ("bugatti chiron", "Bugatti Chiron Sport"),
        ("Lamborghini", "Lamborghini Revuelto"),
    ],
)
def test_a_misspelt_make_still_finds_it(garage, typed, expected):
    assert names(ranked_asset_ids(typed))[0] == expected


def test_features_and_description_words_match(garage):
    assert names(ranked_asset_ids("starlight")) == ["Rolls-Royce Cullinan"]  # a feature
    assert names(ranked_asset_ids("glass pool")) == ["Benetti Oasis 40M"]  # the description
    assert names(ranked_asset_ids("quietest")) == ["Rolls-Royce Cullinan"]
    assert names(ranked_asset_ids("specialist")) == ["Bugatti Chiron Sport"]


def test_words_match_as_prefixes_and_stems(garage):
    assert names(ranked_asset_ids("lambo")) == ["Lamborghini Revuelto"]
    assert names(ranked_asset_ids("headliners")) == ["Rolls-Royce Cullinan"]  # stemmed


def test_the_make_in_the_name_ranks_above_a_mention_in_a_description(garage):
    found = names(ranked_asset_ids("rolls-royce"))
    assert found[-1] == "Bentley Flying Spur"  # mentioned, so found, but last
    assert len(found) == 3


def test_every_word_must_match_and_when_none_does_any_word_will(garage):
    assert names(ranked_asset_ids("rolls cullinan")) == ["Rolls-Royce Cullinan"]
    # no asset is both: either will do
    assert set(names(ranked_asset_ids("bugatti phantom"))) == {
        "Bugatti Chiron Sport",
        "Phantom with chauffeur",
    }


@pytest.mark.parametrize(
    "typed", ["", "   ", "!!!", '"', "*", "NEAR(a b)", "a AND OR NOT", "\x00", "'; drop", "é" * 300]
)
def test_any_text_is_safe_and_nothing_to_search_finds_nothing(garage, typed):
    found = ranked_asset_ids(typed)
    assert isinstance(found, list)
    if not words_of(typed):
        assert found == []


def test_the_index_follows_an_edit_a_bulk_update_and_a_delete(garage):
    cullinan = garage["cullinan"]
    cullinan.name = "Black Badge Cullinan"
    cullinan.save()
    assert names(ranked_asset_ids("badge")) == ["Black Badge Cullinan"]
    Asset.objects.filter(pk=garage["chiron"].pk).update(description="Molsheim's finest")
    assert names(ranked_asset_ids("molsheim")) == ["Bugatti Chiron Sport"]
    garage["revuelto"].delete()
    assert ranked_asset_ids("lamborghini") == []
    new = make_asset("cars", garage["cullinan"].home_location, name="Ferrari Roma", brand="Ferrari")
    assert ranked_asset_ids("ferrari") == [new.pk]


def test_the_sqlite_index_is_put_back_after_a_table_rebuild(garage):
    """SQLite drops triggers with their table (a migration that alters catalog_asset copies
    it): after every migrate the index is made whole again and refilled."""
    if connection.vendor != "sqlite":
        assert ensure_sqlite_index(connection) is False  # PostgreSQL needs none of it
        return
    drop_sqlite_index(connection)
    assert ensure_sqlite_index(connection) is True
    assert ensure_sqlite_index(connection) is False  # whole: nothing to do
    assert set(names(ranked_asset_ids("rolls royce"))[:2]) == ROLLS
    garage["phantom"].delete()
    assert names(ranked_asset_ids("phantom")) == []


def test_corrections_are_made_against_the_makes_and_models():
    known = {"rolls": "rolls", "royce": "royce", "rollsroyce": "rolls royce", "bugatti": "bugatti"}
    assert correct("rols", known) == ("rols", "rolls")
    assert correct("bugati", known) == ("bugati", "bugatti")
    assert correct("rollsroyce", known) == ("rollsroyce", "rolls royce")
    assert correct("roll", known) == ("roll",)  # a prefix of a known word: left alone
    assert correct("red", known) == ("red",)  # too short to correct
    assert correct("yacht", known) == ("yacht",)  # nothing near
    assert distance("lamborgini", "lamborghini", 2) == 1
    assert distance("rosl", "rols", 1) == 1  # a transposition counts once


def test_parse_reads_words_only(garage):
    terms = parse('Rolls-Royce "Cullinan"*')
    assert [options[0] for options in terms.words] == ["rolls", "royce", "cullinan"]
    assert not parse("¿?")


# --- filters ---------------------------------------------------------------------------------


def slugs(assets) -> list[str]:
    return [a.slug for a in assets]


def test_filters_by_make_body_style_and_guests(garage):
    rolls = slugs(matching(make="Rolls-Royce", sort=Sort.NAME))
    assert rolls == [garage["phantom"].slug, garage["cullinan"].slug]
    assert slugs(matching(subcategory="sedan", sort=Sort.NAME)) == [
        garage["bentley"].slug,
        garage["phantom"].slug,
    ]
    # seats for cars, guests for yachts (catalog.specs.CAPACITY_SPEC), read in SQL
    assert slugs(matching(guests=5, sort=Sort.NAME)) == [
        garage["yacht"].slug,  # 12 guests
        garage["cullinan"].slug,  # 5 seats
    ]
    assert slugs(matching(guests=13)) == []
    assert slugs(matching(text="rolls royce", guests=5)) == [garage["cullinan"].slug]


def test_a_text_query_orders_by_relevance_unless_asked_otherwise(garage):
    found = search_assets(AssetSearch(text="rolls-royce"))
    assert slugs(found)[-1] == garage["bentley"].slug
    by_name = search_assets(AssetSearch(text="rolls-royce", sort=Sort.NAME))
    assert [a.name for a in by_name] == sorted(a.name for a in by_name)


def test_an_unknown_body_style_is_refused_with_its_field():
    with pytest.raises(AppError) as caught:
        search_assets(AssetSearch(subcategory="spaceship"))
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "subcategory")


# --- prices compared like with like -----------------------------------------------------------


@pytest.fixture
def priced(dubai, dc):
    """The issue's example: AED 1,100 an hour used to sort between USD 1,000 and 1,200 a day."""
    return {
        "usd-1000-day": make_asset("cars", dc, slug="usd-1000-day", base_rate_minor=100_000),
        "usd-1200-day": make_asset("cars", dc, slug="usd-1200-day", base_rate_minor=120_000),
        "aed-1100-hour": make_asset(
            "cars", dubai, slug="aed-1100-hour", pricing_unit="hour", base_rate_minor=110_000
        ),
        "aed-3000-day": make_asset("cars", dubai, slug="aed-3000-day", base_rate_minor=300_000),
        "usd-300-hour": make_asset(
            "cars", dc, slug="usd-300-hour", pricing_unit="hour", base_rate_minor=30_000
        ),
        "aed-2000-night": make_asset(
            "villas", dubai, slug="aed-2000-night", pricing_unit="night", base_rate_minor=200_000
        ),
        "usd-5000-trip": make_asset(
            "jets", dc, slug="usd-5000-trip", pricing_unit="trip", base_rate_minor=500_000
        ),
    }


# per day in USD: 1,000; 1,200; AED 8,800 ≈ 2,396.19; AED 3,000 ≈ 816.88; 2,400;
# AED 2,000 ≈ 544.59; 5,000
CHEAP_TO_DEAR = [
    "aed-2000-night",
    "aed-3000-day",
    "usd-1000-day",
    "usd-1200-day",
    "aed-1100-hour",
    "usd-300-hour",
    "usd-5000-trip",
]


@pytest.mark.parametrize("currency", ["USD", "AED"])
def test_price_sort_compares_a_day_in_one_currency(priced, currency):
    assert slugs(matching(sort=Sort.PRICE_ASC, currency=currency)) == CHEAP_TO_DEAR
    assert slugs(matching(sort=Sort.PRICE_DESC, currency=currency)) == CHEAP_TO_DEAR[::-1]


def test_the_day_price_is_annotated_in_the_display_currency(priced):
    usd = {a.slug: a.day_price for a in matching(currency="USD")}
    aed = {a.slug: a.day_price for a in matching(currency="AED")}
    assert usd["usd-1000-day"] == 1000
    assert usd["aed-1100-hour"] == pytest.approx(8800 / 3.6725)
    assert aed["aed-1100-hour"] == 8800  # no conversion: exact
    assert aed["usd-1000-day"] == pytest.approx(3672.5)
    assert usd["usd-5000-trip"] == 5000


def test_price_filter_uses_the_day_price_in_the_display_currency(priced):
    assert slugs(matching(price_min=2396, price_max=2400, sort=Sort.PRICE_ASC)) == [
        "aed-1100-hour",
        "usd-300-hour",
    ]
    assert slugs(matching(price_max=3672, currency="AED", sort=Sort.PRICE_ASC)) == [
        "aed-2000-night",
        "aed-3000-day",
    ]
    assert slugs(matching(price_max=3673, currency="AED", sort=Sort.PRICE_ASC))[-1] == (
        "usd-1000-day"  # USD 1,000 = AED 3,672.50
    )


def test_the_rate_table_decides(priced):
    """Staff set the rates (catalog.ExchangeRate): a new rate reorders the next search."""
    ExchangeRate.objects.filter(currency="AED").update(per_usd=Decimal("1.5"))
    order = slugs(matching(sort=Sort.PRICE_ASC))
    # AED 3,000 a day is now USD 2,000: dearer than USD 1,200
    assert order.index("aed-3000-day") > order.index("usd-1200-day")
    ExchangeRate.objects.create(currency="EUR", per_usd=Decimal("0.9"))
    eur = {a.slug: a.day_price for a in matching(currency="EUR")}
    assert eur["usd-1000-day"] == pytest.approx(900)
    assert display_rates()["EUR"] == Decimal("0.9")


def test_an_asset_in_a_currency_without_a_rate_sorts_last_and_is_not_price_filtered(priced):
    kuwait = make_location(slug="kuwait", city="Kuwait", country="KW", currency="KWD")
    odd = make_asset("cars", kuwait, slug="kwd-car", base_rate_minor=100)
    assert slugs(matching(sort=Sort.PRICE_ASC))[-1] == odd.slug
    assert slugs(matching(sort=Sort.PRICE_DESC))[-1] == odd.slug
    assert odd.slug not in slugs(matching(price_min=0))


# --- the demo collection ---------------------------------------------------------------------


def test_the_demo_collection_has_models_and_body_styles_to_find():
    from midas.catalog.demo import load_demo_collection

    load_demo_collection()
    active = Asset.objects.active()
    assert not active.filter(subcategory="").exists()
    assert not active.exclude(category__slug="villas").filter(model_name="").exists()
    rolls = active.filter(brand="Rolls-Royce").count()
    found = list(Asset.objects.in_bulk(ranked_asset_ids("rols royce")).values())
    first = [Asset.objects.get(pk=pk).brand for pk in ranked_asset_ids("rols royce")[:rolls]]
    assert rolls >= 5 and first == ["Rolls-Royce"] * rolls and len(found) >= rolls
    assert {a.model_name for a in matching(make="Rolls-Royce", subcategory="suv")} == {"Cullinan"}
    assert matching(text="lamborgini").count() == active.filter(brand="Lamborghini").count()
    # AED 1,100 an hour (the Phantom) no longer sorts between USD 1,000 and 1,200 a day
    order = slugs(matching(sort=Sort.PRICE_ASC))
    phantom = order.index("rolls-royce-phantom-chauffeured-dubai")
    assert phantom > order.index("porsche-911-turbo-s-houston")  # USD 1,200 / day
    assert phantom > order.index("range-rover-sv-maryland")  # USD 1,000 / day


@pytest.mark.postgres
def test_postgres_answers_from_the_gin_index(garage):
    """The query's vector is the index's expression, so PostgreSQL can use the index (with
    a few rows it would rather scan; forbidding the scan shows the index fits)."""
    from django.contrib.postgres.search import SearchQuery

    from midas.catalog.search import Terms, search_vector, tsquery_text

    query = SearchQuery(
        tsquery_text(Terms((("rolls",),)), every=True), search_type="raw", config="english"
    )
    found = Asset.objects.annotate(document=search_vector()).filter(document=query)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()
    assert "catalog_asset_search" in plan, plan
