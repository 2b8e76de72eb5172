"""`midas demo photos DIR`: photos matched to assets by file name."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from midas.catalog.photos.folder import asset_for
from tests.catalog.photos.conftest import picture
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def test_file_names_name_the_longest_matching_slug():
    slugs = ["rolls-royce-cullinan-black", "rolls-royce-cullinan", "chiron"]
    assert asset_for("rolls-royce-cullinan", slugs) == "rolls-royce-cullinan"
    assert asset_for("Rolls-Royce-Cullinan-2", slugs) == "rolls-royce-cullinan"
    assert asset_for("rolls-royce-cullinan-black_3", slugs) == "rolls-royce-cullinan-black"
    assert asset_for("chiron (2)", slugs) == "chiron"
    assert asset_for("chiron-sport", slugs) is None
    assert asset_for("veyron", slugs) is None


def test_the_command_loads_a_folder_and_a_second_run_changes_nothing(tmp_path, client):
    chiron = make_asset("cars", slug="bugatti-chiron", name="Bugatti Chiron")
    untouched = make_asset("cars", slug="ferrari-sf90", name="Ferrari SF90")
    (tmp_path / "bugatti-chiron.jpg").write_bytes(picture(1200, 800))
    (tmp_path / "bugatti-chiron-2.png").write_bytes(picture(1000, 800, "PNG"))
    (tmp_path / "lamborghini-revuelto.jpg").write_bytes(picture(800, 600))
    (tmp_path / "notes.txt").write_text("not a photo")
    (tmp_path / "bugatti-chiron-3.jpg").write_bytes(b"broken")

    out = io.StringIO()
    call_command("demo", "photos", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "loaded   bugatti-chiron.jpg -> bugatti-chiron" in text
    assert "skipped  lamborghini-revuelto.jpg: no asset has this slug" in text
    assert "skipped  bugatti-chiron-3.jpg: This file is not a picture" in text
    assert "2 photo(s) loaded, 3 skipped" in text

    html = client.get(chiron.get_absolute_url()).content.decode()
    # bugatti-chiron.jpg first (the cover), though "-" sorts before "." in a plain sort
    assert html.index('alt="Bugatti Chiron"') < html.index('alt="Bugatti Chiron, photo 2"')
    cover = chiron.images.exclude(original="").order_by("position").first()
    assert (cover.width, cover.height) == (1200, 800)
    assert "cars-1.svg" in client.get(untouched.get_absolute_url()).content.decode()

    again = io.StringIO()
    call_command("demo", "photos", str(tmp_path), stdout=again)
    assert "0 photo(s) loaded" in again.getvalue() and "already" in again.getvalue()
    assert chiron.images.exclude(original="").count() == 2


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("demo", "photos", str(tmp_path / "nowhere"))


def test_midas_demo_is_a_command(tmp_path, capsys):
    from midas.cli import main

    make_asset("cars", slug="chiron")
    (tmp_path / "chiron.jpg").write_bytes(picture(800, 600))
    assert main(["demo", "photos", str(tmp_path)]) == 0
    assert "1 photo(s) loaded" in capsys.readouterr().out
