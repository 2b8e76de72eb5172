"""Photos in a real browser: staff drop files on the admin's photos panel and arrange them;
a customer on a phone reaches the gallery with the keyboard and scrolls it. Both under the
site's Content-Security-Policy, nothing loaded from another host (tests/web/test_browser_csp.py).
"""

from __future__ import annotations

import base64

import pytest

from midas.catalog.models import AssetImage
from midas.catalog.photos.services import photo_upload
from tests.catalog.photos.conftest import picture
from tests.factories import PASSWORD, make_asset, make_category, make_location, make_staff
from tests.web.test_browser import browser  # noqa: F401  (the fixture)
from tests.web.test_browser_csp import Watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DROP = """
([selector, files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type }));
  }
  const zone = document.querySelector(selector);
  for (const kind of ["dragenter", "dragover", "drop"]) {
    const event = { dataTransfer: transfer, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(kind, event));
  }
}
"""


@pytest.fixture
def asset():
    dc = make_location(slug="washington-dc", city="Washington")
    for slug in ("cars", "yachts", "jets", "villas"):
        make_category(slug)
    return make_asset("cars", dc, slug="bugatti-chiron", name="Bugatti Chiron")


@pytest.fixture
def watched(browser, live_server):  # noqa: F811
    pages: list[Watched] = []

    def open_page(**viewport: int) -> Watched:
        page = Watched(browser, live_server.url)
        if viewport:
            page.page.set_viewport_size(viewport)
        pages.append(page)
        return page

    yield open_page
    for n, page in enumerate(pages):
        page.close(f"photos-{n}")


def until(page, condition: str) -> None:
    """Wait until the JavaScript expression ``condition`` is true in the page (checked each
    frame, 10 s at most). Not wait_for_function: it evaluates a string, which the page's
    CSP (no unsafe-eval) refuses; this function is sent whole, as ``evaluate`` sends it."""
    page.evaluate(
        "() => new Promise((resolve, reject) => {"
        "  const giveUp = setTimeout(() => reject(new Error('never true: ' + "
        + repr(condition)
        + ")), 10000);"
        "  const check = () => (" + condition + ")"
        "    ? (clearTimeout(giveUp), resolve(true)) : requestAnimationFrame(check);"
        "  check();"
        "})"
    )


def test_staff_drop_photos_describe_and_arrange_them(watched, asset):
    staff = make_staff(is_superuser=True)
    page = watched()
    page.visit("/admin/login/")
    page.page.locator("#id_username").fill(staff.email)
    page.page.locator("#id_password").fill(PASSWORD)
    page.page.locator("input[type=submit]").click()
    page.page.wait_for_url(lambda url: "/admin/login/" not in url)

    page.visit(f"/admin/catalog/asset/{asset.pk}/change/")
    files = [
        ["side.jpg", "image/jpeg", base64.b64encode(picture(1600, 1000)).decode()],
        ["cabin.png", "image/png", base64.b64encode(picture(1200, 900, "PNG")).decode()],
        ["brochure.pdf", "application/pdf", base64.b64encode(b"%PDF-1.7 nope").decode()],
    ]
    page.page.evaluate(DROP, ["[data-photo-drop]", files])
    status = page.page.locator("[data-photo-status]")
    status.filter(has_text="2 of 3 photos uploaded").wait_for()
    assert "brochure.pdf: This file is not a picture" in status.inner_text()
    cards = page.page.locator(".photo-card")
    assert cards.count() == 2
    assert "Hidden until it has alt text" in cards.nth(0).inner_text()

    # alt text: typed, saved with Enter (which must not submit the asset's form)
    for n, alt in enumerate(["Chiron from the side", "The cabin"]):
        field = page.page.locator(".photo-card").nth(n).get_by_label("Alt text")
        field.fill(alt)
        field.press("Enter")
        status.filter(has_text="Alt text saved").wait_for()
        page.page.locator(".photo-card").nth(n).filter(has_text="Shown on the site").wait_for()
    assert f"/admin/catalog/asset/{asset.pk}/change/" in page.page.url  # still on the page

    # the second becomes the cover, with the keyboard
    page.page.locator(".photo-card").nth(1).get_by_role("button", name="Move earlier").focus()
    page.page.keyboard.press("Enter")
    status.filter(has_text="Order saved").wait_for()
    page.page.locator(".photo-card").nth(0).filter(has_text="Cover").wait_for()
    assert page.page.locator(".photo-card").nth(0).get_by_label("Alt text").input_value() == (
        "The cabin"
    )
    # and back, by dragging the cabin onto the side view
    page.page.locator(".photo-card").nth(0).drag_to(page.page.locator(".photo-card").nth(1))
    until(page.page, "document.querySelector('.photo-card input').value === 'Chiron from the side'")
    photos = list(asset.images.exclude(original="").order_by("position"))
    assert [p.alt for p in photos] == ["Chiron from the side", "The cabin"]

    # what a customer sees
    page.visit(asset.get_absolute_url())
    lead = page.page.locator(".gallery-lead img")
    assert lead.get_attribute("alt") == "Chiron from the side"
    until(page.page, "document.querySelector('.gallery-lead img').naturalWidth > 0")
    assert lead.evaluate("img => img.currentSrc").endswith(".avif")  # the modern format
    page.check()


def test_the_gallery_is_reached_and_scrolled_by_keyboard_on_a_phone(watched, asset):
    for n in range(4):
        photo_upload(asset=asset, data=picture(1600 + n, 1067), alt=f"Chiron, view {n + 1}")
    assert AssetImage.objects.exclude(original="").count() == 4
    page = watched(width=390, height=844)
    page.visit(asset.get_absolute_url())
    track = page.page.locator(".gallery-track")
    assert track.evaluate("el => el.scrollWidth > el.clientWidth")  # it scrolls sideways

    # Chromium 130+ lets Tab reach any scrolling box; Safari does not: the page says so itself
    assert track.evaluate("el => el.tabIndex") == 0
    for _ in range(60):  # Tab through the page until the gallery has the focus
        page.page.keyboard.press("Tab")
        if track.evaluate("el => document.activeElement === el"):
            break
    else:
        pytest.fail("Tab never reached the gallery")
    assert track.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # visible focus
    positions = [track.evaluate("el => el.scrollLeft")]
    for _ in range(10):  # one photo further at each ArrowRight, until the last
        track.evaluate(
            "t => { t.settled = false;"
            " t.addEventListener('scrollend', () => { t.settled = true; }, { once: true }); }"
        )
        page.page.keyboard.press("ArrowRight")
        until(page.page, "document.querySelector('.gallery-track').settled")
        positions.append(track.evaluate("el => el.scrollLeft"))
        if track.evaluate("t => t.scrollLeft + t.clientWidth >= t.scrollWidth - 2"):
            break
    assert positions == sorted(set(positions)) and len(positions) >= 3, positions
    assert track.evaluate("t => t.scrollLeft + t.clientWidth >= t.scrollWidth - 2"), positions
    last = page.page.locator(".gallery-track img").last
    until(page.page, "[...document.querySelectorAll('.gallery-track img')].pop().naturalWidth > 0")
    assert last.get_attribute("alt") == "Chiron, view 4"
    page.check()
