"""Feature flags: a registry of known flags, one read helper, and the row writes.

The core may read flags (``flag_on``, ``flag_page``, ``flag_require``, ``{% flag %}``); the
launch control plane changes them (the launch's ``flags`` module adds its permissions, records and
announcements around ``services.flag_write``).

- ``registry``: ``register()`` and the flags the product declares.
- ``selectors``: reading, with a per-process memo (no query per read on a warm process).
- ``services``: ``flag_write`` / ``flag_add`` (one row, version bumped on commit).
- ``guards``: ``flag_page`` (pages: a 503 "temporarily unavailable") and ``flag_require``
  (the API: ``feature_disabled``).
"""
