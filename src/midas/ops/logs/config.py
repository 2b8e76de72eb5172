"""How the logs are set up: settings.LOGGING for Django (``LOGGING_CONFIG`` points here) and
the same configuration, with gunicorn's two loggers added, for gunicorn (``logconfig_dict``),
so that with LOG_FORMAT=json every line a process writes is one JSON object."""

from __future__ import annotations

import copy
import logging
import logging.config
from typing import Any

CONSOLE = "console"
ACCESS_FILE = "gunicorn_access_file"


def configure(logging_settings: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: settings.LOGGING, and Python's ``warnings`` (deprecations,
    resource warnings) written through it as ``py.warnings`` lines rather than to stderr."""
    logging.config.dictConfig(logging_settings)
    logging.captureWarnings(True)


def gunicorn_logconfig(
    logging_settings: dict[str, Any], *, loglevel: str, accesslog: str | None
) -> dict[str, Any]:
    """settings.LOGGING (a copy) with ``gunicorn.error`` (start-up, worker boots and exits,
    timeouts) at ``loglevel`` on the console handler, and ``gunicorn.access`` on it too when
    ``accesslog`` is ``-`` (in a file with the same formatter and filters when it is a path;
    off when it is empty). Both stop there (no second copy through the root logger)."""
    config = copy.deepcopy(logging_settings)
    handlers = config.setdefault("handlers", {})
    loggers = config.setdefault("loggers", {})
    console = handlers[CONSOLE]
    access: list[str] = []
    if accesslog == "-":
        access = [CONSOLE]
    elif accesslog:
        handlers[ACCESS_FILE] = {
            "class": "logging.FileHandler",
            "filename": accesslog,
            "formatter": console.get("formatter"),
            "filters": list(console.get("filters", [])),
        }
        access = [ACCESS_FILE]
    loggers["gunicorn.error"] = {
        "level": loglevel.upper(),
        "handlers": [CONSOLE],
        "propagate": False,
    }
    loggers["gunicorn.access"] = {
        "level": "INFO" if access else "CRITICAL",
        "handlers": access,
        "propagate": False,
    }
    return config
