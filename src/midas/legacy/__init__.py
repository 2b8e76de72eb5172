"""``midas legacy import DIR [--dry-run]``: the old site's data brought into Midas.

The old site (static pages, Node functions, MongoDB Atlas) left three files: its published
``inventory.json`` and ``mongoexport`` dumps of the ``users`` and ``bookings`` collections
(``users.jsonl``, ``bookings.jsonl``, one Extended JSON document a line). The import runs in
three steps:

1. ``source``: read the files (``$oid``, ``$date``) into plain rows;
2. ``planning``: decide, without writing, what each row becomes (new, unchanged, updated or
   skipped with a reason), which old bookings overlap and how each clash is resolved; the
   result is a ``Report`` (``report``) printed before anything is written;
3. ``applying``: carry the plan out in one transaction (all or nothing).

Rows are keyed on their old ids (``Asset.legacy_id``, ``User.legacy_id``,
``Booking.legacy_reference``), so a second run finds everything in place and changes nothing.
Old free-text places go through the reviewed table in ``places``: an unknown place is
reported, never guessed. See docs/how-to/migrate-from-the-old-site.md.
"""
