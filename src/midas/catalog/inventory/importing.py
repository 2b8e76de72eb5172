"""Import entry points: a parsed JSON document, JSON text, CSV text, a file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from midas.catalog.inventory.planner import Importer
from midas.catalog.inventory.schema import (
    CSV_COLUMNS,
    CSV_JSON,
    CSV_LISTS,
    FORMAT_NAME,
    FORMAT_VERSION,
    SECTIONS,
    ImportReport,
    InventoryError,
)
from midas.catalog.services import catalog_version_bump


def import_data(data: object, *, dry_run: bool = False) -> ImportReport:
    """Validate every row of ``data`` (the JSON format, parsed), then upsert them all in one
    transaction, or raise ``InventoryError`` and write nothing."""
    return _import(data, lambda section, index: f"{section}[{index}]", {}, dry_run)


def _import(
    data: object, where: Any, row_errors: dict[int, list[str]], dry_run: bool
) -> ImportReport:
    if not isinstance(data, dict):
        raise InventoryError(["the file must hold a JSON object"])
    allowed = {*SECTIONS, "format", "version"}
    problems = [f"unknown section {k!r}" for k in data if k not in allowed]
    if data.get("format", FORMAT_NAME) != FORMAT_NAME:
        problems.append(f"format must be {FORMAT_NAME!r}")
    if data.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        problems.append(f"version {data.get('version')!r} is not supported (use {FORMAT_VERSION})")
    problems += [f"{s} must be a list" for s in SECTIONS if not isinstance(data.get(s, []), list)]
    if problems:
        raise InventoryError(problems)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        importer = Importer(data, where, row_errors)
        importer.validate()
        if importer.problems:
            raise InventoryError(importer.problems)
        importer.count(report)
        if not dry_run:
            importer.write()
            catalog_version_bump()  # cached pages show the import on the next request
    return report


def import_json(text: str, *, dry_run: bool = False) -> ImportReport:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError([f"line {exc.lineno}: not valid JSON ({exc.msg})"]) from exc
    return import_data(data, dry_run=dry_run)


def import_csv(text: str, *, dry_run: bool = False) -> ImportReport:
    """Assets only, one a row; the header row names the columns (``CSV_COLUMNS``)."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    problems = [f"line 1: unknown column {h!r}" for h in header if h not in CSV_COLUMNS]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        problems.append(f"line 1: missing columns {', '.join(missing)}")
    if problems:
        raise InventoryError(problems)
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    row_errors: dict[int, list[str]] = {}
    last_line = reader.line_num
    for cells in reader:
        # a quoted cell may span lines: report the line the row starts on
        first_line, last_line = last_line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        row, errors = _csv_row(header, cells)
        if errors:
            row_errors[len(rows)] = errors
        rows.append(row)
        lines.append(first_line)
    return _import({"assets": rows}, lambda _s, i: f"line {lines[i]}", row_errors, dry_run)


def _csv_row(header: list[str], cells: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Turn one CSV row's text into the JSON row shape; empty cells are left out."""
    errors = (
        [f"{len(cells)} cells, the header has {len(header)}"] if len(cells) != len(header) else []
    )
    row: dict[str, Any] = {}
    for name, text in zip(header, cells, strict=False):
        text = text.strip()
        if name in CSV_LISTS:
            row[name] = [p.strip() for p in text.split(";") if p.strip()]
        elif name in CSV_JSON:
            if not text:
                continue
            try:
                row[name] = json.loads(text)
            except json.JSONDecodeError as exc:
                errors.append(f"{name}: not valid JSON ({exc.msg})")
        elif text or name in {"summary", "description"}:
            row[name] = text
    return row, errors


def import_file(path: Path, *, fmt: str | None = None, dry_run: bool = False) -> ImportReport:
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "json")
    text = path.read_text(encoding="utf-8-sig")
    return (import_csv if fmt == "csv" else import_json)(text, dry_run=dry_run)
