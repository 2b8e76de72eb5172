import datetime as dt

from django import template
from django.utils.html import format_html

from midas.launch import console
from midas.launch.console.sentences import sentence
from midas.launch.models import LaunchEvent
from midas.launch.state.selectors import launch_state, local_zone

register = template.Library()

FORMATS = {
    "time": "%H:%M",
    "day": "%a %d %b %H:%M",
    "full": "%Y-%m-%d %H:%M",
    "exact": "%Y-%m-%d %H:%M:%S",
    "date": "%Y-%m-%d",
}


@register.simple_tag
def launch_nav() -> list[tuple[str, str]]:
    return console.nav()


@register.simple_tag
def local_time(value: dt.datetime | None, style: str = "full") -> str:
    """``value`` in the plan's zone (``LaunchState.timezone``, America/New_York by default),
    in a ``<time>`` whose ``datetime`` and ``title`` give it in UTC. An ISO 8601 string (a
    time kept in JSON, as a rollback step's) is read as one."""
    if isinstance(value, str) and value:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, dt.datetime):
        return "-" if value is None or value == "" else str(value)
    if timezone_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(local_zone(launch_state()))
    utc = value.astimezone(dt.UTC)
    return format_html(
        '<time datetime="{}" title="{} UTC">{} {}</time>',
        utc.isoformat(timespec="seconds").replace("+00:00", "Z"),
        utc.strftime(FORMATS["exact" if style == "exact" else "full"]),
        local.strftime(FORMATS.get(style, FORMATS["full"])),
        local.tzname() or "",
    )


def timezone_naive(value: dt.datetime) -> bool:
    return value.tzinfo is None or value.tzinfo.utcoffset(value) is None


@register.filter
def event_sentence(event: LaunchEvent) -> str:
    """The audit line as a sentence (``midas.launch.console.sentences``)."""
    return sentence(event)


@register.filter
def signoff_said(signoff: object) -> str:
    """A sign-off with what it agreed to: "Executive approved the NO-GO", never a bare tick
    that reads as a GO."""
    record = getattr(signoff, "record", None)
    decision = "GO" if getattr(record, "decision", "") == "go" else "NO-GO"
    verb = "approved" if getattr(signoff, "approve", False) else "rejected"
    return f"{getattr(signoff, 'role', '')} {verb} the {decision}"
