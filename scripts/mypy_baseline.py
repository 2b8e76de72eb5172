"""mypy over src/midas against a baseline that only shrinks (run by .ci/run).

The strict modules ([[tool.mypy.overrides]] with disallow_untyped_defs in pyproject.toml:
money, errors, core, flags, bookings.services, payments.services and the launch's services)
must have no error at all. Elsewhere each app may have at most the errors written in
``mypy-baseline.json`` beside this project's pyproject.toml; fixing some lowers the figure
(``--update`` writes the new, lower counts; it refuses to raise one).

    python scripts/mypy_baseline.py            check; exit 1 when an app has more errors
    python scripts/mypy_baseline.py --update   lower the baseline to today's counts
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "mypy-baseline.json"
ERROR = re.compile(r"^src/(?P<path>midas/[^:]+)\.py:(?:\d+:)? error: ")


def strict_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns: list[str] = []
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("disallow_untyped_defs"):
            modules = override["module"]
            patterns += [modules] if isinstance(modules, str) else modules
    return patterns


def module_of(path: str) -> str:
    module = path.replace("/", ".")
    return module.removesuffix(".__init__")


def is_strict(module: str, patterns: list[str]) -> bool:
    return any(
        module == p or fnmatch.fnmatch(module, p) or module == p.removesuffix(".*")
        for p in patterns
    )


def area_of(module: str) -> str:
    """``midas.<app>`` (``midas.launch.<area>`` for the launch, the largest app)."""
    parts = module.split(".")
    depth = 3 if parts[1] == "launch" and len(parts) > 3 else 2
    return ".".join(parts[:depth])


def run_mypy() -> tuple[list[str], str]:
    var = os.environ.get("MIDAS_VAR_DIR") or str(ROOT / "var" / "mypy")
    env = {**os.environ, "MIDAS_VAR_DIR": var}
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = [line for line in done.stdout.splitlines() if ": error: " in line]
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode not in (0, 1) or (done.returncode == 1 and not lines):
        raise SystemExit(f"mypy did not run: {done.stdout}{done.stderr}")
    return lines, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="lower the baseline")
    args = parser.parse_args(argv)
    patterns = strict_patterns()
    lines, summary = run_mypy()
    strict: list[str] = []
    counts: collections.Counter[str] = collections.Counter()
    unplaced = [line for line in lines if not ERROR.match(line)]  # outside src/midas: none
    for line in lines:
        found = ERROR.match(line)
        if not found:
            continue
        module = module_of(found["path"])
        if is_strict(module, patterns):
            strict.append(line)
        else:
            counts[area_of(module)] += 1
    first = not BASELINE.exists()  # --update writes the first baseline as it finds it
    baseline: dict[str, int] = {} if first else json.loads(BASELINE.read_text())
    print(f"mypy: {summary}")
    if strict or unplaced:
        print(f"{len(strict + unplaced)} error(s) in strict modules or elsewhere (none allowed):")
        print("\n".join(strict + unplaced))
    strict += unplaced
    grown = {
        a: (n, baseline.get(a, 0))
        for a, n in counts.items()
        if n > baseline.get(a, 0) and not (first and args.update)
    }
    for area, (now, allowed) in sorted(grown.items()):
        print(f"{area}: {now} errors, baseline {allowed}:")
        print("\n".join(line for line in lines if area_of_line(line) == area))
    shrunk = {a: n for a, n in baseline.items() if counts.get(a, 0) < n}
    if args.update:
        if grown or strict:
            print("refusing to update: fix the errors above first", file=sys.stderr)
            return 1
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=2) + "\n")
        print(f"baseline written: {sum(counts.values())} errors in {len(counts)} areas")
        return 0
    if shrunk:
        lower = ", ".join(f"{a} {n}→{counts.get(a, 0)}" for a, n in sorted(shrunk.items()))
        print(f"fewer errors than the baseline ({lower}): lower it with --update")
    total, allowed = sum(counts.values()), sum(baseline.values())
    print(f"baseline: {total} of {allowed} allowed errors; strict modules: {len(strict)}")
    return 1 if grown or strict else 0


def area_of_line(line: str) -> str:
    found = ERROR.match(line)
    return area_of(module_of(found["path"])) if found else ""


if __name__ == "__main__":
    sys.exit(main())
