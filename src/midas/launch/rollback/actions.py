"""The rollback, declared once for ``midas launch rollback`` and the console's rollback page
(``midas.launch.actions``): run it, or record a dry run. The command line shows more around
it (what a restore would lose, the dry run's steps, each step's outcome) and asks ``--yes``
before a restore; the console shows the same on its page before the form."""

from __future__ import annotations

from django import forms

from midas.launch import actors
from midas.launch.actions import Action
from midas.launch.models import RollbackRun
from midas.launch.rollback.services import rollback_run


class RollbackForm(forms.Form):
    reason = forms.CharField(max_length=500, help_text="why (goes on the record)")
    dry_run = forms.BooleanField(
        required=False, help_text="show what each step would do; change nothing"
    )
    restore = forms.CharField(
        max_length=200,
        required=False,
        help_text="also restore the database from BACKUP (an id from `midas backup list`, "
        "or latest)",
    )
    confirm_loss = forms.BooleanField(
        required=False,
        help_text="confirm the loss of the bookings and payments made since the backup",
    )


def _said(run: RollbackRun) -> str:
    if run.dry_run:
        return f"Dry run recorded (rollback run {run.pk}); nothing was changed."
    return f"Rolled back (run {run.pk})." if run.ok else f"ROLLBACK FAILED (run {run.pk})."


ROLLBACK_RUN = Action(
    command=("rollback",),
    help="roll the launch back: maintenance, flags, previous release, [restore], tell, phase",
    perm=actors.ROLLBACK,
    form=RollbackForm,
    options={"confirm_loss": "--yes"},
    apply=lambda d, a: rollback_run(
        actor=a,
        reason=d["reason"],
        dry_run=d["dry_run"],
        restore_backup=d["restore"] or None,
        confirm_loss=d["confirm_loss"],
    ),
    said=_said,
    exit_code=lambda run: 0 if run.dry_run or run.ok else 1,
)
