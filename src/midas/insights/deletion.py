"""Insights' part in deleting an account (``midas.accounts.deletion``): the account's
analytics rows go, exactly as ``midas privacy erase EMAIL`` deletes them."""

from __future__ import annotations

import datetime as dt

from midas.accounts.deletion import register
from midas.accounts.models import User
from midas.insights.services import analytics_erase


def erase(user: User, now: dt.datetime, actor: object) -> dict[str, int]:
    erased = analytics_erase(user_ids={user.pk}, rvs=set(), actor=actor)
    return {"views": erased.views, "beacons": erased.beacons, "returner_days": erased.returner_days}


register("insights", erase=erase)
