"""The access gate: who gets in (``admission``, pure rules), visitors, the traffic ramp's
bookkeeping, VIP invitations, the waitlist and beta feedback. Writes in ``services`` and
``invites``; reads in ``selectors``; the gate's own pages in ``views``."""
