"""A launch action declared once, for the command line and the console alike.

An ``Action`` names the command words (``("phase", "set")``), the permission, a Django form
(its fields are the command's arguments and the console's inputs; the rules stay in the
service), the service call and what the command line says afterwards:

    PHASE_SET = Action(
        command=("phase", "set"), help="move the launch to PHASE", perm=actors.PHASE,
        form=PhaseForm, positional=("phase",),
        apply=lambda data, actor: services.phase_set(actor=actor, **data),
        said=lambda row: f"Phase is now {Phase(row.phase).label}.",
    )

``add_commands(sub, actions, groups)`` adds them to ``midas launch``: positional fields as
positional arguments, the others as ``--name`` options, choice fields with their choices,
``--by`` for the acting account. The handler binds the same form to the options, so a bad
value is refused the same way on both sides (``invalid_input``, exit 2 on the command line,
400 in the console); the console's views call ``console.post_form`` with the action's form,
permission and ``apply``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from midas.errors import AppError, ErrorCode
from midas.launch.actors import Actor
from midas.launch.cli import actor_of, add_by


@dataclass(frozen=True)
class Action:
    command: tuple[str, ...]
    help: str
    perm: str
    form: type[forms.Form]
    apply: Callable[[dict[str, Any], Actor], Any]
    said: Callable[[Any], str]
    positional: tuple[str, ...] = ()

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


def _add_arguments(parser: argparse.ArgumentParser, action: Action) -> None:
    for name, form_field in action.form().fields.items():  # in the form's field_order
        choices = None
        # a ChoiceField keeps its (static) choices as a list of (value, label)
        if isinstance(form_field, forms.ChoiceField) and isinstance(form_field.choices, list):
            choices = [str(value) for value, _ in form_field.choices if value != ""]
        help_text = str(form_field.help_text or "") or None
        if name in action.positional:
            parser.add_argument(name, choices=choices, help=help_text)
            continue
        default = form_field.initial
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            choices=choices,
            required=form_field.required and default is None,
            default=default,
            help=help_text,
        )
    add_by(parser)


def _handler(action: Action) -> Callable[[dict[str, Any], Any], int]:
    def handle(options: dict[str, Any], out: Any) -> int:
        data = {
            name: options[name] for name in action.form.base_fields if options.get(name) is not None
        }
        result = action.run(data, actor_of(options))
        out.stdout.write(action.said(result))
        return 0

    return handle


def add_commands(
    sub: Any, actions: Sequence[Action], groups: dict[str, str] | None = None
) -> dict[str, Any]:
    """Add ``actions`` under ``sub`` (argparse sub-parsers); ``groups`` gives the help of
    the first word of two-word commands. Returns the second-level sub-parsers by first word,
    for commands of the area that are not actions (``status``, ``list``)."""
    groups = groups or {}
    nested: dict[str, Any] = {}
    for action in actions:
        if len(action.command) == 1:
            parser = sub.add_parser(action.command[0], help=action.help)
        else:
            first, second = action.command
            if first not in nested:
                group = sub.add_parser(first, help=groups.get(first, ""))
                nested[first] = group.add_subparsers(dest=f"{first}_action", required=True)
            parser = nested[first].add_parser(second, help=action.help)
        _add_arguments(parser, action)
        parser.set_defaults(handler=_handler(action))
    return nested
