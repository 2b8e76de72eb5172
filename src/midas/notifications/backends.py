"""The ``mailbox://`` email backend: each message is stored in the local mailbox (one
``MailboxMessage`` per envelope recipient) and, unless ``MAILBOX_ECHO`` is off, printed to the
console. The stored copy is parsed back from the exact MIME bytes SMTP would have carried."""

from __future__ import annotations

import base64
import email
import email.policy
import sys
import threading
from email.message import EmailMessage as MimeMessage

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from midas.notifications.models import MailboxMessage


class MailboxBackend(BaseEmailBackend):
    def __init__(self, *args, stream=None, **kwargs) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            try:
                stored = store_message(message)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            if settings.MAILBOX_ECHO and stored:
                from midas.notifications.printing import format_message

                with self._lock:
                    self.stream.write(format_message(stored[0], with_html=False) + "-" * 79 + "\n")
                    self.stream.flush()
            count += 1
        return count


def store_message(message: EmailMessage) -> list[MailboxMessage]:
    """Deliver ``message`` into the mailbox of each of its recipients."""
    wire = message.message().as_bytes(linesep="\r\n")  # the bytes SMTP would carry
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert isinstance(parsed, MimeMessage)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    attachments = []
    for part in parsed.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "filename": part.get_filename() or "attachment",
                "mimetype": part.get_content_type(),
                "size": len(payload),
                "content_b64": base64.b64encode(payload).decode("ascii"),
            }
        )
    common = {
        "from_email": str(parsed.get("From", "")),
        "to": str(parsed.get("To", "")),
        "cc": str(parsed.get("Cc", "")),
        "reply_to": str(parsed.get("Reply-To", "")),
        "subject": str(parsed.get("Subject", "")).strip(),  # folded long subjects
        "message_id": str(parsed.get("Message-ID", "")),
        "headers": {key: str(value) for key, value in parsed.items()},
        "body_text": _content(text_part),
        "body_html": _content(html_part),
        "attachments": attachments,
    }
    recipients = list(dict.fromkeys(address.strip() for address in message.recipients()))
    return [
        MailboxMessage.objects.create(recipient=address.lower(), **common) for address in recipients
    ]


def _content(part: MimeMessage | None) -> str:
    if part is None:
        return ""
    return part.get_content().replace("\r\n", "\n")
