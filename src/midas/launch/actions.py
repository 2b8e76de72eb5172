"""A launch action declared once, for the command line and the console alike.

An ``Action`` names the command words (``("phase", "set")``, ``("plan", "step", "run")``),
the permission, a Django form (its fields are the command's arguments and the console's
inputs; the rules stay in the service), the service call and what the command line says
afterwards:

    PHASE_SET = Action(
        command=("phase", "set"), help="move the launch to PHASE", perm=actors.PHASE,
        form=PhaseForm, positional=("phase",),
        apply=lambda data, actor: services.phase_set(actor=actor, **data),
        said=lambda row: f"Phase is now {Phase(row.phase).label}.",
    )

``add_commands(sub, actions, groups)`` adds them to ``midas launch`` (or another command's
sub-parsers, as ``midas incident``): positional fields as positional arguments, the others as
``--name`` options (``options`` gives another name, e.g. ``{"confirm_loss": "--yes"}``),
choice fields with their choices, boolean fields as flags (``store_true``), a choice field
named in ``switches`` as one flag per choice (``--approve | --reject``), a multiple choice
field as a repeated option (``--component a --component b``; the form checks the choices),
``--by`` for the acting account. The handler binds the same
form to the options, so a bad value is refused the same way on both sides
(``invalid_input``, exit 2 on the command line, 400 in the console), prints ``said(result)``
and exits with ``exit_code(result)`` (0 unless given). A command that prints more than ``said``
builds its parser with ``add_arguments`` and calls ``run(data_of(action, options), actor)``.
The console's views bind the same form, with what the URL names (a key, an id) added to the
posted data, and call ``console.post_action`` (or their own helper) with the action's
permission and ``apply``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms

from midas.errors import AppError, ErrorCode
from midas.launch.actors import Actor
from midas.launch.cli import actor_of, add_by


class ReasonForm(forms.Form):
    """Every change of the launch says why (``audit.on_the_record``): the field most actions'
    forms start from."""

    reason = forms.CharField(max_length=500, help_text="why (kept on the record)")


@dataclass(frozen=True)
class Action:
    command: tuple[str, ...]
    help: str
    perm: str
    form: type[forms.Form]
    apply: Callable[[dict[str, Any], Actor], Any]
    said: Callable[[Any], str]
    positional: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    switches: tuple[str, ...] = ()
    exit_code: Callable[[Any], int] = lambda result: 0

    def run(self, data: dict[str, Any], actor: Actor) -> Any:
        """Bind the form to ``data``, refuse what it refuses, call the service."""
        bound = self.form(data=data)
        if not bound.is_valid():
            raise invalid(bound)
        return self.apply(bound.cleaned_data, actor)


def invalid(form: forms.Form) -> AppError:
    """The first problem of a bound form, as ``invalid_input`` on its field."""
    name, errors = next(iter(form.errors.items()))
    said = " ".join(str(error) for error in errors)
    return AppError(ErrorCode.INVALID_INPUT, f"{name}: {said}", field=name)


def add_arguments(parser: argparse.ArgumentParser, action: Action) -> None:
    """The action's form fields as ``parser``'s arguments, and ``--by``."""
    for name, form_field in action.form().fields.items():  # in the form's field_order
        if isinstance(form_field, forms.MultipleChoiceField):  # repeated: --component a ...
            flag = action.options.get(name, f"--{name.replace('_', '-')}")
            help_text = str(form_field.help_text or "") or None
            parser.add_argument(flag, dest=name, action="append", default=[], help=help_text)
            continue
        choices = None
        # a ChoiceField keeps its (static) choices as a list of (value, label)
        if isinstance(form_field, forms.ChoiceField) and isinstance(form_field.choices, list):
            choices = [str(value) for value, _ in form_field.choices if value != ""]
        help_text = str(form_field.help_text or "") or None
        if name in action.positional:
            parser.add_argument(name, choices=choices, help=help_text)
            continue
        flag = action.options.get(name, f"--{name.replace('_', '-')}")
        if name in action.switches and choices:
            group = parser.add_mutually_exclusive_group(required=form_field.required)
            for value in choices:
                group.add_argument(f"--{value}", dest=name, action="store_const", const=value)
            continue
        if isinstance(form_field, forms.BooleanField):
            parser.add_argument(flag, dest=name, action="store_true", help=help_text)
            continue
        default = form_field.initial
        parser.add_argument(
            flag,
            dest=name,
            choices=choices,
            required=form_field.required and default is None,
            default=default,
            help=help_text,
        )
    add_by(parser)


def data_of(action: Action, options: dict[str, Any]) -> dict[str, Any]:
    """The parsed command line's values of the action's form fields (those given)."""
    return {
        name: options[name] for name in action.form.base_fields if options.get(name) is not None
    }


def _handler(action: Action) -> Callable[[dict[str, Any], Any], int]:
    def handle(options: dict[str, Any], out: Any) -> int:
        result = action.run(data_of(action, options), actor_of(options))
        out.stdout.write(action.said(result))
        return action.exit_code(result)

    return handle


def add_commands(
    sub: Any,
    actions: Sequence[Action],
    groups: dict[str, str] | None = None,
    nested: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Add ``actions`` under ``sub`` (argparse sub-parsers); ``groups`` gives the help of
    the leading words of longer commands (``"plan"``, ``"plan step"``), ``nested`` the
    sub-parsers of leading words the area made itself (a command with its own options, as
    ``gonogo``). Returns the sub-parsers by leading words, for the commands of the area
    that are not actions (``status``, ``list``)."""
    groups = groups or {}
    nested = dict(nested or {})
    for action in actions:
        parent = sub
        for depth, word in enumerate(action.command[:-1], start=1):
            prefix = " ".join(action.command[:depth])
            if prefix not in nested:
                group = parent.add_parser(word, help=groups.get(prefix, ""))
                nested[prefix] = group.add_subparsers(dest=f"{word}_action", required=True)
            parent = nested[prefix]
        parser = parent.add_parser(action.command[-1], help=action.help)
        add_arguments(parser, action)
        parser.set_defaults(handler=_handler(action))
    return nested
