"""``midas privacy erase EMAIL``: delete one person's analytics rows on request
(docs/explanation/insights.md, "Erasure")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from midas.errors import AppError
from midas.insights.services import privacy_erase


class Command(BaseCommand):
    help = "Privacy requests: erase EMAIL deletes that account's analytics rows."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        erase = sub.add_parser("erase", help="delete the analytics rows tied to an account")
        erase.add_argument("email")

    def handle(self, *args, **options):
        try:
            erased = privacy_erase(email=options["email"], actor="system:cli")
        except AppError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"Erased {erased.views} page view(s), {erased.beacons} beacon(s) and "
            f"{erased.returner_days} return-visitor day(s) of {options['email']}."
        )
