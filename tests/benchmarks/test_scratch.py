"""The benchmarks' scratch databases: a fresh random name each time, and a drop that refuses
any database the run did not create (no server is needed to test either)."""

from __future__ import annotations

import pytest

from benchmarks import scratch


def test_scratch_names_are_never_fixed() -> None:
    names = {scratch.scratch_name("midas_bench") for _ in range(200)}
    assert len(names) == 200
    for name in names:
        assert name.startswith("midas_bench_")
        assert name != "midas_bench"
        assert len(name) == len("midas_bench_") + 12


@pytest.mark.parametrize("prefix", ["", "Midas", "midas-bench", 'x"; DROP DATABASE midas; --'])
def test_a_prefix_is_a_plain_identifier(prefix: str) -> None:
    with pytest.raises(ValueError):
        scratch.scratch_name(prefix)


@pytest.mark.parametrize("name", ["midas_bench", "midas", "template1", "midas_bench_0123456789ab"])
def test_dropping_refuses_a_database_it_did_not_create(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    monkeypatch.setattr(scratch, "_admin", lambda url, sql: sent.append(sql))
    with pytest.raises(scratch.RefusedDrop):
        scratch.drop_database("postgres://postgres@127.0.0.1:5432/postgres", name)
    assert sent == []


def test_it_drops_what_it_created_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    monkeypatch.setattr(scratch, "_admin", lambda url, sql: sent.append(sql))
    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    name, url = scratch.create_database(admin, "midas_booking_bench")
    assert url == f"postgres://postgres@127.0.0.1:5432/{name}"
    assert sent == [f'CREATE DATABASE "{name}"']  # no DROP IF EXISTS before creating
    scratch.drop_database(admin, name)
    assert sent[-1] == f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with pytest.raises(scratch.RefusedDrop):  # dropped already: not ours any more
        scratch.drop_database(admin, name)
