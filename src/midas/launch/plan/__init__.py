"""The launch plan: the preparation checklist (``data``, the default plan; ``checks``, the
checks that prove items), launch day's schedule (``schedule``, each due step exactly once)
and the launch team (roles, contacts, vendors, permission ``groups``). Writes in
``services`` (the plan) and ``team`` (the team); reads in ``selectors``."""
