"""``midas launch gonogo [--record] [--json] [--by]``: evaluate the go/no-go now (exit 0 GO,
1 NO-GO); ``--record`` keeps the record. ``gonogo list``, ``gonogo show ID``,
``gonogo sign ID --role ROLE --approve|--reject --note ... --by``. Keeping the record and
signing it are the actions of ``gonogo.actions``, which the console runs too.

``midas launch report [--from ISO] [--to ISO] [--json]``: the plan's success metrics
against their targets (default window: launch day 06:00 local to now)."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch.actions import add_commands as add_actions
from midas.launch.cli import actor_of, add_by
from midas.launch.gonogo import selectors
from midas.launch.gonogo.actions import GONOGO_RECORD, SIGNOFF_ADD, WAIVER_ADD, WAIVER_WITHDRAW
from midas.launch.gonogo.report import launch_report


def parse_at(raw: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise AppError(ErrorCode.INVALID_INPUT, f"Not an ISO date-time: {raw!r}.") from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)


def add_commands(sub) -> None:
    parser = sub.add_parser("gonogo", help="the go/no-go decision: evaluate, record, sign")
    parser.add_argument("--record", action="store_true", help=GONOGO_RECORD.help)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--at", default="", help="evaluate as of this ISO time (not with --record)")
    parser.add_argument("--details", action="store_true", help="every item behind a count")
    add_by(parser)
    parser.set_defaults(handler=evaluate)
    actions = parser.add_subparsers(dest="gonogo_action")

    listing = actions.add_parser("list", help="the records kept, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_records)

    show = actions.add_parser("show", help="one record (default: the newest) in full")
    show.add_argument("id", nargs="?", default="", help="the record's id (default: the newest)")
    show.add_argument("--json", action="store_true")
    show.add_argument("--details", action="store_true", help="every item behind a count")
    show.set_defaults(handler=show_record)

    waivers = actions.add_parser("waivers", help="waivers, newest first (in force or not)")
    waivers.add_argument("--json", action="store_true")
    waivers.set_defaults(handler=list_waivers)

    add_actions(sub, [SIGNOFF_ADD, WAIVER_ADD, WAIVER_WITHDRAW], nested={"gonogo": actions})
    add_report_commands(sub)


def _criteria_lines(w, criteria: list[dict], *, details: bool = False) -> None:
    for c in criteria:
        mark = "WAIVED" if c.get("waived") else "PASS" if c["ok"] else "FAIL"
        w(f"  {mark:<6} {c['label']:<44} {c['value']:<28} needs {c['threshold']}")
        if c.get("detail") and (not c["ok"] or c.get("waived")):
            w(f"         {c['detail']}")
        if c.get("waived"):
            w(f"         {c['waived']}")
        if details and c.get("items") and (not c["ok"] or c.get("waived")):
            for item in c["items"]:
                w(f"           - {item}")


def _print(
    w,
    *,
    title: str,
    decision: str,
    reasons: list,
    criteria: list,
    feedback: dict,
    details: bool = False,
) -> None:
    w(title)
    _criteria_lines(w, criteria, details=details)
    if feedback:
        w(
            f"Beta feedback: {feedback.get('count', 0)} rating(s), average "
            f"{feedback.get('average') if feedback.get('average') is not None else '-'}, "
            f"{len(feedback.get('low') or [])} open low"
        )
    w(f"\nDecision: {'GO' if decision == 'go' else 'NO-GO'}")
    for reason in reasons:
        w(f"  - {reason}")


def evaluate(options: dict, out) -> int:
    now = parse_at(options.get("at") or "")
    w = out.stdout.write
    if options.get("record"):
        if now is not None:  # a record is evidence as of when it was made, never backdated
            raise AppError(
                ErrorCode.INVALID_INPUT, "--at evaluates only; a record is kept as of now."
            )
        record = GONOGO_RECORD.run({}, actor_of(options))
        if options.get("json"):
            w(json.dumps(record_json(record), indent=2))
        else:
            _print(
                w,
                title=f"Go/no-go record #{record.pk} at {record.created_at:%Y-%m-%d %H:%M} UTC",
                decision=record.decision,
                reasons=record.reasons,
                criteria=record.criteria,
                feedback=record.feedback,
                details=bool(options.get("details")),
            )
        return GONOGO_RECORD.exit_code(record)
    evaluation = selectors.gonogo_evaluate(now=now)
    if options.get("json"):
        w(json.dumps(evaluation.as_json(), indent=2))
    else:
        body = evaluation.as_json()
        _print(
            w,
            title=f"Go/no-go evaluation at {evaluation.at:%Y-%m-%d %H:%M} UTC (not recorded)",
            decision=body["decision"],
            reasons=body["reasons"],
            criteria=body["criteria"],
            feedback=body["feedback"],
            details=bool(options.get("details")),
        )
    return evaluation.exit_code


def record_json(record) -> dict:
    return {
        "id": record.pk,
        "created_at": record.created_at.isoformat(),
        "by": record.actor_label,
        "decision": record.decision,
        "phase": record.phase,
        "reasons": record.reasons,
        "criteria": record.criteria,
        "feedback": record.feedback,
        "waivers": record.waivers,
        "signoffs": [
            {
                "role": s.role.key,
                "user": s.user.email,
                "approve": s.approve,
                "note": s.note,
                "at": s.at.isoformat(),
            }
            for s in record.signoffs.all()
        ],
    }


def list_records(options: dict, out) -> int:
    records = selectors.records_list()
    w = out.stdout.write
    if options.get("json"):
        w(json.dumps([record_json(r) for r in records], indent=2))
        return 0
    if not records:
        w("No go/no-go records yet (midas launch gonogo --record).")
    for r in records:
        decision = "GO" if r.decision == "go" else "NO-GO"  # never a bare tick on a NO-GO
        signs = ", ".join(
            f"{s.role.key} {'approved' if s.approve else 'rejected'} the {decision}"
            for s in r.signoffs.all()
        )
        w(
            f"#{r.pk:<4} {r.created_at:%Y-%m-%d %H:%M} {r.get_decision_display():<6} "
            f"{len(r.reasons)} reason(s)  by {r.actor_label}  {signs}"
        )
    return 0


def show_record(options: dict, out) -> int:
    record = selectors.record_get(options["id"]) if options.get("id") else selectors.record_latest()
    w = out.stdout.write
    if options.get("json"):
        w(json.dumps(record_json(record), indent=2))
        return 0
    _print(
        w,
        title=f"Go/no-go record #{record.pk} at {record.created_at:%Y-%m-%d %H:%M} UTC "
        f"by {record.actor_label} (phase {record.phase})",
        decision=record.decision,
        reasons=record.reasons,
        criteria=record.criteria,
        feedback=record.feedback,
        details=bool(options.get("details")),
    )
    signoffs = list(record.signoffs.all())
    w("\nSign-offs:" if signoffs else "\nNo sign-offs yet.")
    for s in signoffs:
        verb = "approved" if s.approve else "rejected"
        w(
            f"  {s.role} {verb} by {s.user.email} at {s.at:%H:%M}"
            + (f": {s.note}" if s.note else "")
        )
    return 0


def list_waivers(options: dict, out) -> int:
    waivers = selectors.waivers_list()
    w = out.stdout.write
    if options.get("json"):
        w(json.dumps([v.as_json() for v in waivers], indent=2))
        return 0
    if not waivers:
        w("No waivers (midas launch gonogo waive CRITERION --minutes N --reason R).")
    now = timezone.now()
    for v in waivers:
        state = (
            f"withdrawn by {v.withdrawn_by_label}"
            if v.withdrawn_at
            else "in force"
            if v.in_force(now)
            else "expired"
        )
        w(f"#{v.pk:<4} {v.criterion:<28} {state:<12} {v.said()}")
    return 0


GROUPS = {"technical": "Technical", "business": "Business", "experience": "User experience"}


def add_report_commands(sub) -> None:
    parser = sub.add_parser("report", help="success metrics against the plan's targets")
    parser.add_argument("--from", dest="start", default="", help="ISO date-time")
    parser.add_argument("--to", dest="end", default="", help="ISO date-time (default: now)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=show_report)


def show_report(options: dict, out) -> int:
    report = launch_report(
        start=parse_at(options.get("start") or ""), end=parse_at(options.get("end") or "")
    )
    w = out.stdout.write
    if options.get("json"):
        w(json.dumps(report.as_json(), indent=2))
        return 0
    w(f"Launch report {report.start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC")
    for group, title in GROUPS.items():
        w(f"\n{title}")
        for row in report.rows:
            if row.group == group:
                w(f"  {row.label:<34} {row.value:<22} target {row.target:<24} {row.verdict}")
                if row.detail and row.verdict not in ("needs analytics",):
                    w(f"  {'':<34} {row.detail}")
    for note in report.notes:
        w(f"\nNote: {note}")
    return 0
