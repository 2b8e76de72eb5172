"""Django's system checks as log lines (``midas.checks``), one per finding, for the processes
whose output is JSON lines only (LOG_FORMAT=json): a management command prints them as a
block of text on stderr instead."""

from __future__ import annotations

import logging
from typing import Any

from django.core import checks

logger = logging.getLogger("midas.checks")


def log_system_checks(*, fail_level: int = checks.ERROR, **run_checks: Any) -> bool:
    """Run the checks (``run_checks``: Django's ``tags``, ``app_configs``, ``databases``...),
    log each finding that is not silenced at its level (a hint on the same line); False when
    one is at ``fail_level`` or above."""
    passed = True
    for issue in checks.run_checks(**run_checks):
        if issue.is_silenced():
            continue
        if issue.level >= fail_level:
            passed = False
        level = logging.ERROR if issue.level >= checks.ERROR else issue.level
        logger.log(level, "%s", " ".join(str(issue).split()), extra={"check": issue.id})
    return passed
