"""The invitations' actions, declared once for ``midas launch invite`` and the console's
access page (``midas.launch.actions``): create one (and send it), withdraw one. The code of
the invitation to withdraw is a positional argument on the command line and comes from the
URL in the console.

(Importing a CSV stays apart: the command line reads a path, the console takes an upload.
Feedback triage is in the console only, the waitlist's notice has no form.)"""

from __future__ import annotations

from typing import Any

from django import forms

from midas.launch import actors
from midas.launch.access import invites
from midas.launch.actions import Action
from midas.launch.models import Invite


class InviteForm(forms.Form):
    email = forms.EmailField(required=False)
    name = forms.CharField(max_length=120, required=False, initial="")
    uses = forms.IntegerField(
        min_value=1, max_value=invites.MAX_USES, initial=1, help_text="how many visitors may use it"
    )
    days = forms.IntegerField(
        min_value=1, max_value=invites.MAX_DAYS, initial=14, help_text="valid for D days"
    )
    note = forms.CharField(max_length=200, required=False, initial="")
    send = forms.BooleanField(required=False, help_text="email it now (outbox)")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("send") and not data.get("email") and "email" not in self.errors:
            # refused before the invitation is made, not after
            self.add_error("email", "An invitation sent needs an email address.")
        return data


class RevokeForm(forms.Form):
    code = forms.CharField(max_length=24)
    reason = forms.CharField(max_length=500, required=False, initial="")


def _create(data: dict[str, Any], actor: actors.Actor) -> Invite:
    invite = invites.invite_create(
        actor=actor,
        email=data["email"],
        name=data["name"],
        uses=data["uses"],
        days=data["days"],
        note=data["note"],
    )
    if data["send"]:
        invite = invites.invite_send(invite=invite, actor=actor)
    return invite


def _created(invite: Invite) -> str:
    said = (
        f"Invitation {invite.code} for {invite.email or '(anyone)'}: {invite.max_uses} use(s), "
        f"until {invite.expires_at:%Y-%m-%d %H:%M} UTC.\nLink: {invites.invite_link(invite)}"
    )
    return said + (f"\nSent to {invite.email}." if invite.sent_at else "")


INVITE_CREATE = Action(
    command=("invite", "create"),
    help="an invitation for EMAIL",
    perm=actors.PLAN,
    form=InviteForm,
    positional=("email",),
    apply=_create,
    said=_created,
)
INVITE_REVOKE = Action(
    command=("invite", "revoke"),
    help="withdraw an invitation",
    perm=actors.PLAN,
    form=RevokeForm,
    positional=("code",),
    apply=lambda d, a: invites.invite_revoke(code=d["code"], actor=a, reason=d["reason"]),
    said=lambda invite: f"Invitation {invite.code} withdrawn.",
)

ACTIONS = [INVITE_CREATE, INVITE_REVOKE]
