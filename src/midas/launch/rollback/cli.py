"""``midas launch rollback --reason ... [--dry-run] [--restore BACKUP|latest] [--yes] --by EMAIL``
and ``midas launch rollbacks [ID]`` (the runs on record, one run's steps). The rollback is the
action of ``rollback.actions`` (its options are its form's fields), which the console runs
too; the command line prints what a restore would lose and each step around it."""

from __future__ import annotations

from midas.launch.actions import add_arguments, data_of, invalid
from midas.launch.cli import actor_of
from midas.launch.models import RollbackRun
from midas.launch.rollback.actions import ROLLBACK_RUN
from midas.launch.rollback.preview import resolve_target
from midas.launch.rollback.services import rollback_plan
from midas.launch.state.selectors import plan_time


def add_commands(sub) -> None:
    parser = sub.add_parser("rollback", help=ROLLBACK_RUN.help)
    add_arguments(parser, ROLLBACK_RUN)
    parser.set_defaults(handler=run_rollback)

    runs = sub.add_parser("rollbacks", help="the rollbacks on record, or one run's steps")
    runs.add_argument("id", nargs="?", type=int)
    runs.add_argument("--limit", type=int, default=10)
    runs.set_defaults(handler=show_runs)


def run_rollback(options: dict, out) -> int:
    w = out.stdout.write
    actor = actor_of(options)
    data = data_of(ROLLBACK_RUN, options)
    form = ROLLBACK_RUN.form(data=data)
    if not form.is_valid():  # before showing what a restore would lose
        raise invalid(form)
    restore = data.get("restore")
    dry_run = bool(data.get("dry_run"))
    if restore and not dry_run:
        target = resolve_target(restore)
        m = target.manifest
        taken = plan_time(m.created, "%Y-%m-%d %H:%M:%S")
        w(f"Restoring {m.id} ({m.kind}, taken {taken}) would lose:")
        w(f"  {target.loss.bookings} booking(s) and {target.loss.payments} payment(s)")
        w(f"  of {target.loss.customers} customer(s), made since the backup.")
        w("They are exported for reconciliation before the restore, and the customers emailed.")
        if not data.get("confirm_loss"):
            out.stderr.write("refused (invalid_input): confirm the loss with --yes to go on.")
            return 2
        data["restore"] = restore = m.id  # exactly the backup shown, even if a newer one appears
    if dry_run:
        for step in rollback_plan(restore_backup=restore):
            mark = "→" if step.runs else "·"
            w(f"{mark} {step.title}: {step.detail}")
    run = ROLLBACK_RUN.run(data, actor)
    if dry_run:
        w(f"Dry run recorded (rollback run {run.pk}); nothing was changed.")
        return 0
    _print_steps(run, out)
    if run.ok:
        w(f"Rolled back (run {run.pk}).")
        return 0
    out.stderr.write(
        f"ROLLBACK FAILED (run {run.pk}): see the steps above. "
        "Maintenance mode is still ON; turn it off with `midas maintenance off` once fixed."
    )
    return 1


def _print_steps(run: RollbackRun, out) -> None:
    for step in run.steps:
        status = (
            "skipped" if step.get("skipped") and step["ok"] else ("ok" if step["ok"] else "FAILED")
        )
        out.stdout.write(f"{step['name']:<16} {status:<8} {step['ms']:>7} ms  ")
        for line in (step.get("detail") or "").splitlines() or [""]:
            out.stdout.write(f"    {line}")
    if run.export_path:
        out.stdout.write(f"Reconciliation export: {run.export_path}")


def show_runs(options: dict, out) -> int:
    w = out.stdout.write
    if options.get("id"):
        run = RollbackRun.objects.filter(pk=options["id"]).first()
        if run is None:
            out.stderr.write(f"no rollback run {options['id']}")
            return 2
        w(f"Rollback run {run.pk}{' (dry run)' if run.dry_run else ''} by {run.actor_label}")
        w(f"Started {plan_time(run.started_at, '%Y-%m-%d %H:%M:%S')}; reason: {run.reason}")
        if run.backup_name:
            w(f"Restore: {run.backup_name}")
        _print_steps(run, out)
        w(f"Outcome: {_outcome(run)}")
        return 0
    runs = RollbackRun.objects.order_by("-started_at", "-id")[: options.get("limit") or 10]
    if not runs:
        w("No rollbacks on record.")
    for run in runs:
        w(
            f"{run.pk:>5}  {plan_time(run.started_at)}  {_outcome(run):<12} "
            f"{run.actor_label:<30} {run.reason[:60]}"
        )
    return 0


def _outcome(run: RollbackRun) -> str:
    if run.dry_run:
        return "dry run"
    if run.finished_at is None:
        return "unfinished"
    return "ok" if run.ok else "FAILED"
