"""``legacy_import``: read, plan, report, and (unless a dry run) apply in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from midas.catalog.models import Location
from midas.legacy import applying
from midas.legacy.bookings import BookingsPlan, plan_bookings
from midas.legacy.items import AssetPlan, plan_items
from midas.legacy.report import Report
from midas.legacy.source import Source, SourceError, read_source
from midas.legacy.users import UserPlan, plan_users


@dataclass
class Plan:
    report: Report
    assets: dict[str, list[AssetPlan]]
    users: dict[str, UserPlan]
    bookings: BookingsPlan


def legacy_plan(source: Source, *, now: dt.datetime, dry_run: bool = True) -> Plan:
    """What importing ``source`` would do at ``now``: reads the database, writes nothing."""
    report = Report(now=now, dry_run=dry_run, problems=list(source.problems))
    locations = Location.objects.in_bulk(field_name="slug")
    if not locations:
        raise SourceError(
            "Midas has no locations yet: load the six cities and the categories first "
            "(midas inventory import, or the demo)"
        )
    assets = plan_items(source.inventory, locations, report)
    users, missing = plan_users(source.users, report)
    bookings = plan_bookings(
        source.bookings,
        users=users,
        missing=missing,
        assets=assets,
        locations=locations,
        report=report,
    )
    return Plan(report=report, assets=assets, users=users, bookings=bookings)


def legacy_import(folder: Path, *, dry_run: bool = False, now: dt.datetime | None = None) -> Report:
    """Import the old site from ``folder`` (``inventory.json``, ``users.jsonl``,
    ``bookings.jsonl``). With ``dry_run`` nothing is written; otherwise everything is, in
    one transaction, or nothing at all (an error rolls the whole import back). Running it
    again changes nothing: rows are matched on their old ids."""
    now = now or timezone.now()
    source = read_source(folder)
    if dry_run:
        return legacy_plan(source, now=now, dry_run=True).report
    with transaction.atomic():
        plan = legacy_plan(source, now=now, dry_run=False)
        applying.apply(plan.assets, plan.users, plan.bookings, now=now)
    return plan.report
