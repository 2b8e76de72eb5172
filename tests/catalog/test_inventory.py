from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from midas.bookings.models import Reservation
from midas.catalog.inventory import (
    CSV_COLUMNS,
    InventoryError,
    export_csv,
    export_data,
    export_json,
    import_csv,
    import_data,
    import_json,
)
from midas.catalog.models import AddOn, Asset, Category, Location, SeasonalRate
from midas.demo import load_demo
from midas.errors import ErrorCode
from tests.factories import make_asset, make_category, make_location

GOOD = {
    "slug": "ferrari-roma-test",
    "name": "Ferrari Roma",
    "brand": "Ferrari",
    "category": "cars",
    "home_location": "miami",
    "delivery_locations": "",
    "pricing_unit": "day",
    "base_rate_minor": "160000",
    "currency": "USD",
    "min_duration": "1",
    "security_deposit_minor": "1000000",
    "delivery_fee_minor": "30000",
    "turnaround_minutes": "120",
    "min_notice_hours": "24",
    "max_advance_days": "365",
    "min_renter_age": "25",
    "booking_mode": "instant",
    "is_active": "true",
    "is_featured": "false",
    "summary": "A grand tourer.",
    "description": "Front-mid V8, 2+2.",
    "features": "Twin-turbo V8;2+2 seats",
    "specs": json.dumps(
        {"engine": "3.9 L V8", "horsepower": 612, "top_speed_kmh": 320, "seats": 4}
    ),
    "images": json.dumps(
        [{"src": "midas/art/cars-3.svg", "alt": "Ferrari Roma", "width": 1200, "height": 800}]
    ),
}


def csv_text(*rows: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


@pytest.fixture
def places(db) -> None:
    make_location()  # miami, USD
    make_location(slug="orlando", city="Orlando")
    make_location(slug="dubai", city="Dubai", country="AE", timezone="Asia/Dubai", currency="AED")
    for slug in ("cars", "yachts", "jets", "villas"):
        make_category(slug)


def test_csv_import_creates_and_then_leaves_assets_alone(places):
    text = csv_text(row(), row(slug="roma-two", delivery_locations="orlando"))
    report = import_csv(text)
    assert report.counts["assets"]["created"] == 2
    asset = Asset.objects.get(slug="ferrari-roma-test")
    assert asset.base_rate_minor == 160_000 and asset.is_active and not asset.is_featured
    assert asset.features == ["Twin-turbo V8", "2+2 seats"]
    assert asset.specs["horsepower"] == 612
    assert [i.src for i in asset.images.all()] == ["midas/art/cars-3.svg"]
    assert list(
        Asset.objects.get(slug="roma-two").delivery_locations.values_list("slug", flat=True)
    ) == ["orlando"]
    again = import_csv(text)
    assert again.counts["assets"]["unchanged"] == 2
    changed = import_csv(csv_text(row(base_rate_minor="170000")))
    assert changed.counts["assets"]["updated"] == 1
    assert Asset.objects.get(slug="ferrari-roma-test").base_rate_minor == 170_000


def test_csv_with_two_bad_rows_reports_both_and_writes_nothing(places):
    text = csv_text(
        row(slug="good-one"),
        row(slug="bad-price", base_rate_minor="12,5x"),
        row(slug="good-two"),
        row(slug="bad-specs", category="yachts", currency="AED"),
    )
    with pytest.raises(InventoryError) as caught:
        import_csv(text)
    problems = caught.value.problems
    assert caught.value.code == ErrorCode.IMPORT_INVALID
    assert len(problems) == 2
    assert problems[0] == "line 3: base_rate_minor: '12,5x' is not a whole number"
    assert problems[1].startswith("line 5: ")
    assert "spec 'length_m' is required for yachts" in problems[1]
    assert "unknown spec 'horsepower' for yachts" in problems[1]
    assert "currency: must be the home location's currency (USD)" in problems[1]
    assert not Asset.objects.exists()


def test_csv_reports_every_kind_of_bad_value(places):
    text = csv_text(
        row(slug="a1", category="boats"),
        row(slug="a2", home_location="paris"),
        row(slug="a3", delivery_locations="dubai"),
        row(slug="a4", specs="{not json"),
        row(slug="a5", is_active="maybe", booking_mode="whenever"),
        row(slug="a1"),
        row(slug="a7", min_duration="0"),
        row(slug="a8", images='[{"src": "x.svg"}]'),
    )
    with pytest.raises(InventoryError) as caught:
        import_csv(text)
    by_line = {p.split(":", 1)[0]: p for p in caught.value.problems}
    assert "unknown category 'boats'" in by_line["line 2"]
    assert "unknown home location 'paris'" in by_line["line 3"]
    assert "delivery_locations: dubai uses AED, not USD" in by_line["line 4"]
    assert "specs: not valid JSON" in by_line["line 5"]
    assert "is_active: 'maybe' is not true or false" in by_line["line 6"]
    assert "booking_mode:" in by_line["line 6"]
    assert "duplicate of line 2" in by_line["line 7"]
    assert "min_duration:" in by_line["line 8"]
    assert "images[0]: alt:" in by_line["line 9"]
    assert len(caught.value.problems) == 8


def test_csv_line_numbers_follow_multiline_cells(places):
    text = csv_text(row(description="First line\nsecond line"), row(slug="bad", brand=""))
    with pytest.raises(InventoryError) as caught:
        import_csv(text)
    assert caught.value.problems == ["line 4: missing brand"]


def test_csv_header_must_name_the_columns(places):
    text = "slug,name,colour\nx,y,red\n"
    with pytest.raises(InventoryError) as caught:
        import_csv(text)
    assert caught.value.problems[0] == "line 1: unknown column 'colour'"
    assert caught.value.problems[1].startswith("line 1: missing columns brand, category")


def small_document() -> dict:
    return {
        "format": "midas-inventory",
        "version": 1,
        "locations": [
            {
                "slug": "monaco",
                "city": "Monaco",
                "country": "MC",
                "timezone": "Europe/Monaco",
                "currency": "EUR",
                "tax_rate_bp": 2000,
                "service_fee_bp": 500,
            }
        ],
        "categories": [{"slug": "yachts", "name": "Superyachts", "singular": "Superyacht"}],
        "addons": [
            {
                "code": "captain",
                "name": "Captain",
                "categories": ["yachts"],
                "pricing": "per_unit",
                "amounts": {"EUR": 9000},
            }
        ],
        "assets": [
            {
                "slug": "benetti-monaco",
                "name": "Benetti 50M",
                "brand": "Benetti",
                "category": "yachts",
                "home_location": "monaco",
                "pricing_unit": "day",
                "base_rate_minor": 4_500_000,
                "currency": "EUR",
                "specs": {"length_m": 50, "guests": 12, "crew": 11, "cruising_speed_kn": 14},
                "images": [
                    {
                        "src": "midas/art/yachts-1.svg",
                        "alt": "Benetti",
                        "width": 1200,
                        "height": 800,
                    }
                ],
            }
        ],
        "seasons": [
            {
                "name": "Grand Prix week",
                "asset": "benetti-monaco",
                "start_date": "2027-05-20",
                "end_date": "2027-05-27",
                "override_rate_minor": 9_000_000,
            }
        ],
    }


def test_json_import_creates_related_rows_from_the_same_file(db):
    report = import_json(json.dumps(small_document()))
    assert report.summary().startswith("locations: 1 created")
    asset = Asset.objects.select_related("home_location", "category").get(slug="benetti-monaco")
    assert asset.home_location.city == "Monaco" and asset.category.slug == "yachts"
    assert asset.min_duration == 1 and asset.images.count() == 1  # model defaults apply
    assert SeasonalRate.objects.get().asset == asset
    assert list(AddOn.objects.get().categories.all()) == [asset.category]
    assert import_data(small_document()).counts["seasons"]["unchanged"] == 1


def test_json_import_reports_rows_by_index_and_writes_nothing(db):
    document = small_document()
    document["assets"].append({**document["assets"][0], "slug": "second", "currency": "USD"})
    document["assets"].append({**document["assets"][0], "slug": "third", "colour": "blue"})
    document["seasons"][0]["multiplier_bp"] = 12_000  # as well as an override: not allowed
    with pytest.raises(InventoryError) as caught:
        import_data(document)
    problems = caught.value.problems
    assert problems[0] == "assets[1]: currency: must be the home location's currency (EUR)"
    assert problems[1] == "assets[2]: unknown field 'colour'"
    assert problems[2].startswith("seasons[0]: ")
    assert not Location.objects.exists() and not Category.objects.exists()


def test_json_import_rejects_bad_documents(db):
    for text, expected in [
        ("[1, 2]", "the file must hold a JSON object"),
        ('{"assets": {}}', "assets must be a list"),
        ('{"version": 2}', "version 2 is not supported (use 1)"),
        ('{"asets": []}', "unknown section 'asets'"),
        ('{"assets": [1]}', "assets[0]: each row must be an object"),
        ("{\n  nope", "line 2: not valid JSON (Expecting property name enclosed in double quotes)"),
    ]:
        with pytest.raises(InventoryError) as caught:
            import_json(text)
        assert caught.value.problems == [expected]


def test_export_then_import_into_an_empty_database_round_trips(db):
    load_demo()
    exported_json, exported_csv = export_json(), export_csv()
    before = export_data()
    Reservation.objects.all().delete()
    SeasonalRate.objects.all().delete()
    AddOn.objects.all().delete()
    Asset.objects.all().delete()
    Category.objects.all().delete()
    Location.objects.all().delete()

    import_json(exported_json)
    assert export_data() == before
    assert export_json() == exported_json

    # CSV carries the assets; their locations and categories must exist already
    Asset.objects.all().delete()
    report = import_csv(exported_csv)
    assert report.counts["assets"]["created"] == len(before["assets"])
    assert export_csv() == exported_csv
    assert export_data()["assets"] == before["assets"]


def test_partial_json_update_keeps_what_it_does_not_name(places):
    asset = make_asset(slug="keep-me", summary="Old summary", is_featured=True)
    import_data({"assets": [{"slug": "keep-me", "summary": "New summary"}]})
    asset.refresh_from_db()
    assert asset.summary == "New summary" and asset.is_featured
    assert asset.images.count() == 1


def test_dry_run_validates_and_writes_nothing(places):
    report = import_csv(csv_text(row()), dry_run=True)
    assert report.counts["assets"]["created"] == 1 and report.dry_run
    assert not Asset.objects.exists()


def test_command_imports_and_exports(places, tmp_path, capsys):
    source = tmp_path / "assets.csv"
    source.write_text(csv_text(row()), encoding="utf-8")
    call_command("inventory", "import", str(source))
    assert "assets: 1 created" in capsys.readouterr().out
    target = tmp_path / "out.csv"
    call_command("inventory", "export", "--format", "csv", "--output", str(target))
    assert target.read_text().splitlines()[0] == ",".join(CSV_COLUMNS)
    call_command("inventory", "export")
    assert json.loads(capsys.readouterr().out)["assets"][0]["slug"] == "ferrari-roma-test"


def test_command_prints_every_bad_line_and_fails(places, tmp_path, capsys):
    source = tmp_path / "assets.csv"
    source.write_text(
        csv_text(row(slug="x", min_renter_age="old"), row(slug="y", home_location="rome")),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="2 problems; nothing was imported"):
        call_command("inventory", "import", str(source))
    err = capsys.readouterr().err
    assert f"{source}: line 2: min_renter_age: 'old' is not a whole number" in err
    assert f"{source}: line 3: unknown home location 'rome'" in err
    assert not Asset.objects.exists()
