"""One JSON object per line (LOG_FORMAT=json) or a readable line (LOG_FORMAT=plain)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket

FIELDS = ("request_id", "user_id", "method", "route", "status", "duration_ms")
# a ThrottledLog line (midas.core.throttle): the kind of failure and how many it held back
THROTTLE_FIELDS = ("failure_kind", "suppressed")


class JsonFormatter(logging.Formatter):
    """time, level, logger, message; where it was written (``host``, ``process``: the pid,
    ``release``: MIDAS_RELEASE, given by settings.LOGGING); the request fields; an audit
    event's fields (``midas.core.audit``: action, actor, object_type, object_id, reason,
    details); and ``exception`` (the traceback) for errors. Values that are not JSON become
    strings."""

    def __init__(self, release: str = "") -> None:
        super().__init__()
        self.release = release
        self.host = socket.gethostname()

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "host": self.host,
            "process": record.process,
            "release": self.release,
        }
        for field in (*FIELDS, *THROTTLE_FIELDS):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            for key, value in audit.items():
                line.setdefault(key, value)  # never over a field above
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """The development line, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{text} [{request_id}]" if request_id else text
