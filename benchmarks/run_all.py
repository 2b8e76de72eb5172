"""Every benchmark, one after the other, each printing its table; then a summary with the
commit and the machine's load.

    .venv/bin/python benchmarks/run_all.py --quick      # every quick mode: a few minutes
    .venv/bin/python benchmarks/run_all.py              # the full runs (the better part of an hour)
    .venv/bin/python benchmarks/run_all.py --quick --database-url postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/run_all.py --quick --only booking,http
    .venv/bin/python benchmarks/run_all.py --list       # what it would run, without running it

With ``--database-url``, the benchmarks that take one also run on PostgreSQL, each in its
own scratch database with a random name (``benchmarks/scratch.py``), dropped afterwards.
A benchmark that fails is reported and the next one runs; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / "benchmarks"


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    full: tuple[str, ...]  # the arguments of a full run
    quick: tuple[str, ...]  # the arguments of its quick mode
    postgres: bool  # takes --database-url


BENCHES = (
    Bench("http", "http_bench.py", (), ("--quick", "--connections", "16"), True),
    Bench("booking", "booking_bench.py", (), ("--quick",), True),
    Bench("availability", "availability_bench.py", (), ("--quick",), True),
    Bench("gate", "gate_bench.py", (), ("--requests", "500"), False),
    Bench(
        "integrity",
        "integrity_bench.py",
        (),
        ("--sizes", "10000", "--recent", "200", "--skip-full"),
        True,
    ),
    Bench(
        "insights-record", "insights_bench.py", ("record",), ("record", "--requests", "2000"), True
    ),
    Bench(
        "insights-metrics",
        "insights_bench.py",
        ("metrics",),
        ("metrics", "--views", "50000"),
        True,
    ),
    Bench(
        "chat",
        "chat_bench.py",
        (),
        ("--streams", "20", "--messages", "10", "--duration", "2"),
        True,
    ),
    Bench("photos", "photos_bench.py", (), ("--runs", "1", "--sizes", "2000x1500"), False),
    Bench("peer", "peer_bench.py", (), ("--quick",), False),
    # in-process CPU per request: reliable on a loaded machine, unlike req/s
    Bench("pages-profile", "pages_profile.py", (), ("--repeat", "20", "--rounds", "3"), False),
    Bench("api-profile", "api_profile.py", (), ("--repeat", "50"), False),
    Bench("booking-profile", "booking_profile.py", (), ("--bookings", "20"), True),
    Bench("worker", "worker_bench.py", (), ("--rounds", "3"), False),
)
NAMES = tuple(b.name for b in BENCHES)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's quick mode")
    parser.add_argument(
        "--only",
        type=lambda s: [n.strip() for n in s.split(",") if n.strip()],
        default=list(NAMES),
        help=f"comma-separated, of: {', '.join(NAMES)}",
    )
    parser.add_argument("--skip", type=lambda s: [n.strip() for n in s.split(",")], default=[])
    parser.add_argument("--database-url", default="", help="also on this PostgreSQL server")
    parser.add_argument("--list", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(NAMES))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(NAMES)})")
    return args


def commands(args: argparse.Namespace) -> list[tuple[str, list[str]]]:
    """(label, argv) of every run, in order: each on SQLite, then on PostgreSQL if asked."""
    runs = []
    for bench in BENCHES:
        if bench.name not in args.only or bench.name in args.skip:
            continue
        base = [
            sys.executable,
            str(HERE / bench.script),
            *(bench.quick if args.quick else bench.full),
        ]
        runs.append((bench.name, base))
        if args.database_url and bench.postgres:
            runs.append(
                (f"{bench.name} (PostgreSQL)", [*base, "--database-url", args.database_url])
            )
    return runs


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    runs = commands(args)
    if args.list:
        for label, command in runs:
            print(f"{label:<28} {' '.join(command)}")
        return 0
    head = commit()
    began = dt.datetime.now(dt.UTC)
    print(f"commit {head}; {began:%Y-%m-%d %H:%M} UTC; load {os.getloadavg()[0]:.2f}", flush=True)
    summary = []
    for label, command in runs:
        print(f"\n=== {label}: {' '.join(command[1:])}", flush=True)
        load_before = os.getloadavg()[0]
        start = time.monotonic()
        try:
            code = subprocess.run(command, cwd=REPO, check=False).returncode
        except KeyboardInterrupt:
            code = 130
        summary.append((label, code, time.monotonic() - start, load_before, os.getloadavg()[0]))
        if code == 130:
            break
    print(f"\n=== summary (commit {head}, started {began:%H:%M} UTC, {os.cpu_count()} CPUs)")
    print(f"{'benchmark':<28} {'exit':>4} {'seconds':>8} {'load before':>11} {'load after':>10}")
    for label, code, seconds, before, after in summary:
        print(f"{label:<28} {code:>4} {seconds:>8.1f} {before:>11.2f} {after:>10.2f}")
    return 1 if any(code != 0 for _, code, *_ in summary) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
