"""The go-live control plane, in subpackages by area (docs/launch.md; docs/architecture.md).

Each area keeps its writes in ``services.py`` (every one checks the actor's permission,
records the change in the audit trail and tells the launch channel, in one transaction),
its reads in ``selectors.py``, its records in ``models.py``, and, where it has them, its
``cli.py`` (``midas launch ...`` sub-commands), ``console.py`` (pages under
``/ops/launch/``) and ``jobs.py`` (periodic jobs), found by name (``area_modules``):

- ``state``: the launch's one row — phase, launch date and freeze window, gate, ramp,
  capacity, trigger action; the system freeze and the deploy guard. Writes:
  ``phase_set``, ``schedule_set``, ``gate_set``, ``ramp_set``, ``capacity_set``,
  ``trigger_action_set``; ``freeze.freeze_override``, ``freeze.release_seen``.
- ``access``: the access gate — who gets in (``admission``, pure rules), visitors,
  invitations, the waitlist, beta feedback, the gate's own pages (``views``). Writes:
  ``visitor_admit``, ``visitors_prune``, ``waitlist_join``, ``waitlist_notify``,
  ``feedback_submit``, ``feedback_triage``; ``invites.invite_create``,
  ``invites_import_csv``, ``invite_send``, ``invite_revoke``, ``invite_redeem``.
- ``plan``: the checklist (``data``, ``checks``), launch day's schedule (``schedule``) and
  the launch team (roles, contacts, vendors, permission ``groups``). Writes: ``plan_init``,
  ``item_tick``, ``item_update``, ``checks_run``; ``schedule.schedule_run_due``,
  ``step_run``, ``step_skip``, ``step_update``; ``team.contact_set``, ``contact_remove``,
  ``vendor_set``, ``staff_grant``, ``staff_revoke``.
- ``gonogo``: the go/no-go decision — live ``criteria`` (a registry), the evaluation
  (``selectors.gonogo_evaluate``, reads only) and the launch ``report``. Writes:
  ``gonogo_record``, ``signoff_add``.
- ``response``: rollback ``triggers`` (a registry) with ``integrity`` checks and
  ``security_signals``, incidents, the ``escalation`` matrix. Writes:
  ``triggers_evaluate`` (``trigger_fire``, ``trigger_escalate``, ``trigger_clear``; a
  security signal is reviewed staff-only first), ``incident_declare``,
  ``incident_confirm_breach``, ``incident_close``; ``escalation.escalation_start``,
  ``escalation_tick``, ``incident_acknowledge``; ``security_signals.lockout_record``,
  ``staff_login_record``.
- ``rollback``: back to the last good state, each step recorded (``preview``, ``steps``,
  ``export``). Writes: ``rollback_run``.
- ``smoke``: launch day's core system checks over real HTTP (``journey``, ``client``,
  ``server``, ``api``). Writes: ``run_smoke``.
- ``flags``: the launch's hand on the feature flags of ``midas.flags``. Writes:
  ``flag_set``, ``flag_create``, ``flags_snapshot``, ``flags_restore_last_good``.
- ``drill``: launch day on an accelerated clock against a scratch database, through the
  areas' own services (``run.run_drill``; ``script``, ``team``, ``traffic``, ``timeline``,
  ``records``).

Shared plumbing stays at the top: ``actors`` (who acts, permissions), ``audit``
(``record()``), ``channel`` (``announce()``), ``models`` (the audit trail,
``LaunchEvent``, and the index of every area's records; app label ``launch``),
``actions`` (an action declared once for the command line and the console: each area's
``actions.py``: all but ``smoke`` and ``drill``), ``cli`` and
``console`` (their shared helpers and discovery), ``middleware`` (the gate), ``urls`` and
``ack_urls``, ``receivers`` (what the core announces), ``tasks`` (registers every area's
jobs), ``management/commands`` (``launch``, ``incident``, ``smoke``, ``migrate``) and
``templatetags``. Nothing outside this package imports it.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType


def area_modules(role: str) -> list[ModuleType]:
    """Each area's ``<area>/<role>.py`` (``cli``, ``console``, ``jobs``), in area name order.

    Found by name on disk, so a package without that module is not imported for it."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.ispkg and (Path(__path__[0]) / info.name / f"{role}.py").is_file():
            found.append(importlib.import_module(f"{__name__}.{info.name}.{role}"))
    return found
