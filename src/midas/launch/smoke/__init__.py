"""The smoke checks: launch day's core system checks over real HTTP against any running
deployment. The run in ``services`` (``run_smoke``, a ``SmokeRun``), its customer journey in
``journey`` over ``client``; what a deployment does for a run (``server``) and its small
API (``api``); reads in ``selectors``."""
