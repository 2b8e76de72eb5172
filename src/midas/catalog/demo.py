"""The demo collection: 49 assets over six cities and four categories, with add-ons and
seasons.

The data lives in ``fixtures/demo.json`` (the inventory import format);
``load_demo_collection`` upserts it by slug, so it is idempotent. The demo site as a whole
(the collection plus a few blocks on the calendars) is ``midas.demo.load_demo``: blocks
are reservations, which the catalogue does not know about.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from midas.catalog.inventory import import_data
from midas.catalog.models import Asset
from midas.catalog.pricing_demo import load_demo_pricing

DEMO_FILE = Path(__file__).resolve().parent / "fixtures" / "demo.json"


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_demo_collection() -> int:
    """Create or update the demo collection; returns how many assets exist afterwards."""
    import_data(demo_data())
    load_demo_pricing()  # length discounts, service tiers, jets' profiles, maximum lengths
    return Asset.objects.count()
