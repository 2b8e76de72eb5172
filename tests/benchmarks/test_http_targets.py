"""``benchmarks/http_bench.py``'s verdicts on issue 14's targets (nothing is served)."""

from __future__ import annotations

import io

from benchmarks.http_bench import Measure, median_round, print_verdicts, verdicts


def measure(page: str, share: float, p95: float, connections: int = 16, errors: int = 0):
    return Measure(
        page=page,
        connections=connections,
        p95_ms=p95,
        ratio_to_ceiling=share,
        errors=errors,
    )


def test_a_page_meets_its_target_only_with_its_share_its_p95_and_no_error() -> None:
    rows = verdicts(
        [
            measure("ceiling", 1.0, 10),
            measure("quote API", 0.55, 20),
            measure("assets API", 0.25, 20),  # share too low
            measure("category+city+dates", 0.30, 31),  # p95 too high
            measure("asset uncached", 0.40, 10, errors=1),
            measure("home", 0.90, 12),
            measure("home", 0.10, 900, connections=64),  # not the target's concurrency
        ]
    )
    assert {row["page"]: row["met"] for row in rows} == {
        "quote API": True,
        "assets API": False,
        "category+city+dates": False,
        "asset uncached": False,
        "home": True,
    }
    out = io.StringIO()
    print_verdicts(rows, out)
    text = out.getvalue()
    assert "quote API            share  55% (>= 50%)" in text
    assert text.count("NOT MET") == 3


def test_the_median_round_is_kept_with_every_rounds_figures() -> None:
    tries = [
        Measure(page="home", connections=16, rps=1300.0, p95_ms=20.0),
        Measure(page="home", connections=16, rps=600.0, p95_ms=90.0, errors=1),  # uneven
        Measure(page="home", connections=16, rps=1400.0, p95_ms=18.0),
    ]
    kept = median_round(tries)
    assert (kept.rps, kept.p95_ms) == (1300.0, 20.0)
    assert kept.rounds_rps == [1300.0, 600.0, 1400.0]
    assert kept.errors == 1  # an error in any round counts against the page
    assert median_round(tries[:2]).rps == 600.0  # of two, the lower: never the better one
