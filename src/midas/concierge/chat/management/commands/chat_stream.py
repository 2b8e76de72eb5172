"""``midas chat-stream [--host H] [--port P]``: the live chat's Server-Sent Events on ASGI."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the live chat's event streams (/chat/events/) with uvicorn (ASGI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.CHAT_STREAM_PORT or 8010)
        parser.add_argument(
            "--parent-pid", type=int, default=None, help="exit when this process is gone"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from midas.concierge.chat.process import run

        run(options["host"], options["port"], parent_pid=options["parent_pid"])
