"""Date fields on a phone (390 px wide): the whole date is visible ("mm/dd/yyyy", not
"mm/dd/yyy"): every date and date-time input's text fits its box (scrollWidth is not
larger than clientWidth) on the pages that have them."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_customer
from tests.web.test_browser import browser, chromium_path  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PUBLIC = ["/collection/", "/account/register/", "/assets/rolls-royce-cullinan/"]
MEASURE = """() => [...document.querySelectorAll('input[type=date], input[type=datetime-local]')]
  .filter((input) => input.offsetParent !== null)
  .map((input) => {
    // the width the date needs: the same input sized to its content (field-sizing)
    const probe = input.cloneNode();
    probe.style.cssText = 'field-sizing: content; width: auto; min-width: 0; max-width: none;'
      + 'position: absolute; left: 0; top: 0; visibility: hidden';
    input.parentNode.appendChild(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    const box = input.getBoundingClientRect();
    return {name: input.name, needed: Math.ceil(needed), width: Math.floor(box.width),
            right: box.right, scroll: input.scrollWidth, client: input.clientWidth};
  })"""


def measure(page, url: str) -> list[dict]:
    page.goto(url)
    fields = page.evaluate(MEASURE)
    assert fields, f"no visible date field on {url}"
    return fields


def test_date_fields_show_the_whole_date_on_a_phone(browser, live_server, car):  # noqa: F811
    customer = make_customer("ada@example.com")
    measured = {}
    for width in (PHONE["width"], 768):  # a phone, a tablet
        viewport = {**PHONE, "width": width}
        context = browser.new_context(viewport=viewport, device_scale_factor=3, is_mobile=True)
        page = context.new_page()
        try:
            for path in PUBLIC:
                measured[(width, path)] = measure(page, live_server.url + path)
            page.goto(live_server.url + "/account/login/")
            page.fill("input[name=email]", customer.email)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
            measured[(width, "/account/")] = measure(page, live_server.url + "/account/")
        finally:
            context.close()
    cut = [
        (where, field)
        for where, fields in measured.items()
        for field in fields
        if field["needed"] > field["width"]
        or field["scroll"] > field["client"]
        or field["right"] > where[0]
    ]
    assert cut == [], measured
