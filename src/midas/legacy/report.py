"""What an import did, or with ``--dry-run`` would do: counts, rows not taken, overlaps."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("items", "accounts", "bookings")
OUTCOMES = ("new", "unchanged", "updated", "skipped")


@dataclass
class Report:
    now: dt.datetime
    dry_run: bool = False
    counts: dict[str, Counter[str]] = field(default_factory=lambda: {k: Counter() for k in KINDS})
    skipped: list[str] = field(default_factory=list)  # every row not taken, with the reason
    notes: list[str] = field(default_factory=list)  # rows taken with something to know
    overlaps: list[str] = field(default_factory=list)  # pairs of old bookings and what to do
    unknown_places: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # lines of the files not readable

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def skip(self, kind: str, where: str, reason: str) -> None:
        self.count(kind, "skipped")
        self.skipped.append(f"{where}: {reason}")

    def summary_line(self, kind: str) -> str:
        c = self.counts[kind]
        return f"{kind}: " + ", ".join(f"{c[o]} {o}" for o in OUTCOMES)

    def render(self) -> str:
        head = "Dry run: nothing written." if self.dry_run else "Imported in one transaction."
        lines = [
            f"Old site import — {head}",
            f"Now is {self.now:%Y-%m-%d %H:%M} UTC: bookings ending later are upcoming.",
            "",
        ]
        lines += [self.summary_line(kind) for kind in KINDS]
        sections = (
            ("Rows not taken", self.skipped),
            ("Overlapping old bookings and their resolution", self.overlaps),
            ("Imported with something to know", self.notes),
            ("Unreadable lines", self.problems),
        )
        for title, rows in sections:
            lines += ["", f"{title} ({len(rows)}):"]
            lines += [f"  - {row}" for row in rows] or ["  none"]
        if self.unknown_places:
            lines += ["", "Places not in the reviewed table (midas/legacy/places.py):"]
            lines += [
                f"  - {p!r} ({n} row{'s' if n != 1 else ''})"
                for p, n in sorted(self.unknown_places.items())
            ]
        return "\n".join(lines) + "\n"
