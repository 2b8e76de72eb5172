"""The launch drill: launch day on an accelerated clock against a scratch database
(docs/explanation/launch-drill.md). ``run`` plays the day (``run_drill``); ``script`` and
``team`` say who does what when; ``traffic`` generates the load; ``timeline`` and
``records`` compare what happened with what was expected."""
