"""The go/no-go decision: the live ``criteria`` (a registry), the evaluation and the records
kept (``selectors``), recording and signing (``services``), and the launch ``report`` (the
plan's success metrics against their targets)."""
