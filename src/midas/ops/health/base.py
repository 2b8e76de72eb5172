"""The health-check extension point: one ``HealthCheck`` subclass per module, registered in
``midas.ops.health.registry``. A check measures one thing and says pass, warn or fail; the
runner (``midas.ops.health.runner``) times it, cuts it at its ``timeout`` and turns an
exception into ``fail``. See docs/explanation/health.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

PASS, WARN, FAIL = "pass", "warn", "fail"
SEVERITY = {PASS: 0, WARN: 1, FAIL: 2}


@dataclasses.dataclass(frozen=True)
class Observation:
    """One check's answer, in the shape of the IETF health-check draft's check object."""

    status: str
    output: str = ""
    observed_value: Any = None
    observed_unit: str = ""
    time: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "time": self.time.isoformat()}
        if self.observed_value is not None:
            body["observedValue"] = self.observed_value
        if self.observed_unit:
            body["observedUnit"] = self.observed_unit
        if self.output:
            body["output"] = self.output
        return body


class HealthCheck:
    """Subclass, set ``name`` (``component:measurement``, as in the draft), and implement
    ``observe()``. It runs in a worker thread; a hang is cut after ``timeout`` seconds."""

    name: str = ""
    timeout: float = 0.5

    def observe(self) -> Observation:
        raise NotImplementedError

    @staticmethod
    def by_threshold(
        value: float, *, warn: float, fail: float, higher_is_worse: bool = True
    ) -> str:
        """pass / warn / fail for ``value`` against two thresholds (a threshold of 0 is off)."""

        def crosses(limit: float) -> bool:
            if not limit:
                return False
            return value > limit if higher_is_worse else value < limit

        if crosses(fail):
            return FAIL
        if crosses(warn):
            return WARN
        return PASS

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
