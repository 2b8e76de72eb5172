"""``midas mailbox list|show``: read the local mailbox (what ``mailbox://`` delivered).

midas mailbox list [--to ADDRESS] [--limit N]
midas mailbox show [ID] [--to ADDRESS] [--html]     newest message (for ADDRESS) by default
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from midas.notifications.printing import format_line, format_message
from midas.notifications.selectors import latest_message, mailbox_message, mailbox_messages


class Command(BaseCommand):
    help = "List or print the messages in the local mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="newest first, one line each")
        listing.add_argument("--to", default="", help="only this recipient's messages")
        listing.add_argument("--limit", type=int, default=20, help="at most N (default 20)")
        show = sub.add_parser("show", help="print one message whole")
        show.add_argument("id", nargs="?", type=int, help="message id (default: the newest)")
        show.add_argument("--to", default="", help="the newest message for this address")
        show.add_argument("--html", action="store_true", help="print the HTML body too")

    def handle(self, *args, **options) -> None:
        try:
            if options["action"] == "list":
                self._list(to=options["to"], limit=options["limit"])
            else:
                self._show(pk=options["id"], to=options["to"], html=options["html"])
        except DatabaseError as exc:  # no such table: a database nothing was migrated into
            if not any(tell in str(exc) for tell in ("no such table", "does not exist")):
                raise
            raise CommandError(
                "No mailbox here yet: this database has no mailbox table (start the site "
                "once with `midas serve`, or `midas migrate`)."
            ) from exc

    def _list(self, *, to: str, limit: int) -> None:
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        messages = list(mailbox_messages(to=to, limit=limit))
        if not messages:
            self.stdout.write(f"No messages{f' for {to}' if to else ''}.")
            return
        self.stdout.write(f"{'id':>6}  {'received (UTC)':<19}  {'to':<36}  subject")
        for message in messages:
            self.stdout.write(format_line(message))

    def _show(self, *, pk: int | None, to: str, html: bool) -> None:
        if pk is not None:
            message = mailbox_message(pk=pk)
            if message is not None and to and message.recipient != to.strip().lower():
                message = None
        elif to:
            message = latest_message(to=to)
        else:
            message = mailbox_messages().first()
        if message is None:
            what = f"message {pk}" if pk is not None else "message"
            raise CommandError(f"No {what}{f' for {to}' if to else ''} in the mailbox.")
        self.stdout.write(format_message(message, with_html=html), ending="")
