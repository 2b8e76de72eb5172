"""When things go wrong: the rollback ``triggers`` (a registry) with their ``integrity``
checks and ``security_signals``, incidents as the team handles them, and the
``escalation`` matrix. Writes in ``services`` and ``escalation``; reads in ``selectors``."""
