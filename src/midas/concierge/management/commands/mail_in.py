"""``midas mail-in [--host H] [--port P]``: receive e-mail answers to support tickets over
SMTP (the embedded default; SendGrid's Inbound Parse is the other way in).
See docs/explanation/concierge.md."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from midas.concierge.mail_in import controller


class Command(BaseCommand):
    help = "Receive e-mail answers to support tickets over SMTP (aiosmtpd)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=settings.CONCIERGE_MAIL_IN_HOST)
        parser.add_argument("--port", type=int, default=settings.CONCIERGE_MAIL_IN_PORT)

    def handle(self, *args, **options) -> None:
        server = controller(options["host"], options["port"])
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        server.start()
        self.stdout.write(
            f"mail-in: SMTP on {options['host']}:{options['port']} for "
            f"{settings.CONCIERGE_REPLY_ADDRESS.replace('@', '+<ticket>.<token>@')}"
        )
        try:
            stop.wait()
        finally:
            server.stop()
            self.stdout.write("mail-in: stopped")
