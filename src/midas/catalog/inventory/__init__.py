"""Import and export of the catalogue, in JSON (everything) or CSV (assets only).

JSON is the format of the demo collection (``catalog/fixtures/demo.json``)::

    {"format": "midas-inventory", "version": 1,
     "locations": [...], "categories": [...], "addons": [...], "assets": [...],
     "seasons": [...]}

Rows name each other by slug (an add-on by ``code``; a season by its name, start date and
scope). CSV has one row per asset with the columns of ``CSV_COLUMNS``: lists are joined
with ``;``, ``specs`` and ``images`` are JSON text, and the locations and categories named
must already exist.

An import upserts by those keys. It validates every row first (the model's ``full_clean``,
the category's specs, the currency of the home and delivery locations, references, numbers)
and writes nothing at all unless every row is good: it raises ``InventoryError`` listing
each bad row as ``line N: reason`` (CSV; the header is line 1) or ``assets[i]: reason``
(JSON). Rows that did not change are not written, so importing a file twice is a no-op.
A JSON row may name only some fields to update an existing row; nothing is ever deleted.

Modules: ``schema`` (sections, fields, how a value is read, the error), ``planner``
(validate rows into plans, then write them), ``importing`` and ``exporting`` (entry points).
"""

from midas.catalog.inventory.exporting import export_csv, export_data, export_json
from midas.catalog.inventory.importing import import_csv, import_data, import_file, import_json
from midas.catalog.inventory.schema import CSV_COLUMNS, ImportReport, InventoryError

__all__ = [
    "CSV_COLUMNS",
    "ImportReport",
    "InventoryError",
    "export_csv",
    "export_data",
    "export_json",
    "import_csv",
    "import_data",
    "import_file",
    "import_json",
]
