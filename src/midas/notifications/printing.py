"""Plain-text views of mailbox messages, for the console and ``midas mailbox``."""

from __future__ import annotations

from midas.notifications.models import MailboxMessage

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID")


def format_message(message: MailboxMessage, *, with_html: bool = True) -> str:
    lines = [f"Mailbox message {message.pk} for {message.recipient}"]
    for name in SHOWN_HEADERS:
        value = message.headers.get(name, "")
        if value:
            lines.append(f"{name}: {value}")
    lines += ["", message.body_text.rstrip(), ""]
    if message.attachments:
        lines.append("Attachments:")
        lines += [
            f"  - {item['filename']} ({item['mimetype']}, {item['size']} bytes)"
            for item in message.attachments
        ]
        lines.append("")
    if with_html and message.body_html:
        lines += ["--- HTML ---", message.body_html.rstrip(), ""]
    return "\n".join(lines) + "\n"


def format_line(message: MailboxMessage) -> str:
    """One line per message for ``midas mailbox list``."""
    when = message.created_at.strftime("%Y-%m-%d %H:%M:%S")
    count = len(message.attachments)
    clip = f"  [+{count} attachment(s)]" if count else ""
    return f"{message.pk:>6}  {when}  {message.recipient:<36}  {message.subject}{clip}"
