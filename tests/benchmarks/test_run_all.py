"""``benchmarks/run_all.py``: its arguments and the commands they make (nothing is run)."""

from __future__ import annotations

import sys

import pytest

from benchmarks import run_all

PG = "postgres://postgres@127.0.0.1:5432/postgres"


def test_quick_runs_every_benchmark_in_its_quick_mode() -> None:
    runs = run_all.commands(run_all.parse_args(["--quick"]))
    assert [label for label, _ in runs] == list(run_all.NAMES)
    by_name = dict(runs)
    assert by_name["http"][-3:] == ["--quick", "--connections", "16"]
    assert by_name["booking"][-1] == "--quick"
    assert by_name["availability"][-1] == "--quick"
    assert by_name["gate"][-2:] == ["--requests", "500"]
    # the in-process profiles and the fresh-worker bench are part of every run
    assert by_name["pages-profile"][1].endswith("pages_profile.py")
    assert by_name["worker"][-2:] == ["--rounds", "3"]
    assert by_name["booking-profile"][-2:] == ["--bookings", "20"]
    for _, command in runs:
        assert command[0] == sys.executable
        assert "--database-url" not in command


def test_without_quick_the_full_runs() -> None:
    runs = dict(run_all.commands(run_all.parse_args([])))
    assert "--quick" not in runs["http"]
    assert runs["insights-record"][-1] == "record"


def test_only_and_postgres() -> None:
    args = run_all.parse_args(["--quick", "--only", "booking,gate", "--database-url", PG])
    runs = run_all.commands(args)
    assert [label for label, _ in runs] == ["booking", "booking (PostgreSQL)", "gate"]
    assert runs[1][1][-2:] == ["--database-url", PG]


def test_skip() -> None:
    runs = run_all.commands(run_all.parse_args(["--quick", "--skip", "chat,photos"]))
    assert "chat" not in dict(runs) and "photos" not in dict(runs)


def test_an_unknown_benchmark_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_all.parse_args(["--only", "bookings"])
    assert exit_.value.code == 2
    assert "unknown benchmark(s): bookings" in capsys.readouterr().err


def test_list_prints_the_commands_and_runs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_all.main(["--quick", "--list", "--only", "booking"]) == 0
    assert "booking_bench.py --quick" in capsys.readouterr().out
