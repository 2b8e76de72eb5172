"""What the sign-in guard announces, for whoever watches security (the launch's security
trigger listens; accounts imports nothing of it).

- ``signin_locked``: the guard locked a scope after failed passwords. Keyword arguments:
  ``email``, ``ip``, ``scope`` (``"pair"``: this account from this address; ``"ip"``: the
  address).
- ``signed_in``: a password was accepted for an active, verified account (the sign-in
  page, the API token endpoint, and the admin's own login form). Keyword arguments:
  ``user``, ``ip``.
"""

from __future__ import annotations

from django.dispatch import Signal

signin_locked = Signal()
signed_in = Signal()
