"""A customer's path through the site in a real browser: home, a category, the city and date
filter, an asset, an exact quote.

Headless Chromium (Debian's ``/usr/bin/chromium``, or ``CHROMIUM_PATH``) driven by
Playwright's sync API against pytest-django's ``live_server``. Playwright's own browser
download is never used. Every request the page makes must go to the live server: anything
else is refused by a route handler and fails the test.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from midas.bookings.pricing import offered_addons, quote
from midas.bookings.search import AssetSearch, search_assets
from midas.bookings.selectors import is_free
from midas.catalog import selectors
from midas.catalog.models import Asset, Category
from midas.core.ranges import localize
from midas.demo import load_demo
from midas.money import format_money

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 15_000
SCREENSHOT = Path(os.environ.get("BROWSER_SCREENSHOT_DIR") or tempfile.gettempdir())


def chromium_path() -> str:
    """The Chromium to drive, or a skip that says what is missing."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not os.access(configured, os.X_OK):
            pytest.skip(f"CHROMIUM_PATH={configured} is not an executable file")
        return configured
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "no Chromium: install Debian's chromium (apt-get install chromium) or set "
            "CHROMIUM_PATH to a Chromium binary"
        )
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = chromium_path()
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told it is safe (it is: nothing is async).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield launched
            finally:
                launched.close()


@pytest.fixture
def demo(transactional_db: None) -> int:
    """The demo collection, as `midas serve` shows it (static files are served plainly by
    tests/web/conftest.py)."""
    return load_demo()


def same_origin(url: str, origin: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    a, b = urlsplit(url), urlsplit(origin)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


@pytest.mark.django_db(transaction=True)
def test_a_customer_filters_the_cars_and_gets_the_exact_quote(browser, live_server, demo):
    # What the customer is after: a car in the first city that has one, from a month ahead.
    cars = Category.objects.get(slug="cars")
    city = next(
        loc
        for loc in selectors.nav_locations()
        if Asset.objects.active().filter(category=cars, home_location=loc).exists()
    )
    first_day = timezone.localdate() + dt.timedelta(days=30)
    last_day = first_day + dt.timedelta(days=3)  # the filter's end date is exclusive
    shown = search_assets(AssetSearch(category=cars, location=city, start=first_day, end=last_day))
    assert shown, "the data should hold a free car in that city"
    asset = next(iter(shown))

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    foreign: list[str] = []
    seen: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        seen.append(url)
        if same_origin(url, live_server.url):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("request", lambda request: seen.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"HTTP {response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )

    try:
        # Home, then the category from the main navigation.
        page.goto(live_server.url + "/")
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=cars.name, exact=True
        ).click()
        page.wait_for_url(re.compile(rf"/collection/{cars.slug}/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(cars.name)

        # The filter: city and dates.
        page.get_by_label("City").select_option(label=city.city)
        page.get_by_label("From").fill(f"{first_day:%Y-%m-%d}")
        page.get_by_label("Until").fill(f"{last_day:%Y-%m-%d}")
        page.get_by_role("button", name="Show results").click()
        page.wait_for_url(re.compile(rf"[?&]city={city.slug}(&|$)"))
        assert f"city={city.slug}" in page.url
        assert f"start={first_day:%Y-%m-%d}" in page.url
        expect(page.locator("#results-count")).to_contain_text(f"in {city.city}")

        # The asset from the results.
        page.get_by_role("link", name=asset.name, exact=True).click()
        page.wait_for_url(re.compile(re.escape(asset.get_absolute_url())))
        expect(page.get_by_role("heading", level=1)).to_have_text(asset.name)

        # Times inside the filtered days (so the turnaround cannot reach a later booking),
        # an extra if one is offered, and the quote.
        tz = city.tz
        start_local = dt.datetime.combine(first_day, dt.time(10, 0))
        end_local = dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(18, 30))
        extras = [addon.code for addon in offered_addons(asset)][:1]
        form = page.locator("form[data-quote-form]")
        form.get_by_label("Where").select_option(value=city.slug)
        form.get_by_label("Start", exact=True).fill(start_local.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_label("End", exact=True).fill(end_local.strftime("%Y-%m-%dT%H:%M"))
        for code in extras:
            form.locator(f"input[name=extras][value='{code}']").check()
        form.get_by_role("button", name="Get my quote").click()

        start, end = localize(start_local, tz), localize(end_local, tz)
        expected = quote(
            asset=asset, start=start, end=end, now=timezone.now(), location=city, extras=extras
        )
        assert is_free(asset, start, end)
        total_text = format_money(expected.total, expected.currency)
        result = page.locator("#quote-result")
        total_row = result.get_by_role("row").filter(has_text=re.compile(r"^\s*Total"))
        expect(total_row.get_by_role("cell")).to_have_text(total_text)
        expect(result.get_by_text("Available for these times")).to_be_visible()
        for line in expected.lines:
            if line.kind == "extra":
                row = result.get_by_role("row").filter(has_text=line.label)
                expect(row.get_by_role("cell")).to_have_text(
                    format_money(line.amount, expected.currency)
                )
    finally:
        if errors:  # shown with the failure, whatever step it timed out at
            print("page errors:", *errors, sep="\n  ")
        page.screenshot(path=str(SCREENSHOT / "midas-browser-quote.png"), full_page=True)
        page.close()

    assert not foreign, f"the page reached beyond the live server: {foreign}"
    assert all(same_origin(url, live_server.url) for url in seen), seen
    assert not errors, f"the page logged errors: {errors}"
