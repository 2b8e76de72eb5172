"""The launch's state: its one row (phase, launch date, freeze window, gate, ramp, capacity,
trigger action), the system freeze and the deploy guard. Writes in ``services`` and
``freeze``; reads in ``selectors``."""
