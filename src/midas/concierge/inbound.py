"""E-mail answers as they come in, made into ``services.InboundEmail``: from a MIME message
(``midas mail-in``, or SendGrid with "POST the raw, full MIME message" ticked: field
``email``) or from SendGrid Inbound Parse's parsed fields (``from``, ``to``, ``cc``,
``subject``, ``text``, ``html``, ``envelope``, ``headers``, ``attachments``,
``attachment-info``, ``attachment1``..); and the answer's own text, without what it quotes.
``services.email_receive`` lands it.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, HeaderParser
from typing import Any

from midas.concierge.attachments import Upload
from midas.concierge.threading import REPLY_MARKER


@dataclass
class InboundEmail:
    """An e-mail as a receiver hands it over: from SendGrid's fields or a parsed MIME
    message."""

    sender: str
    recipients: list[str]
    subject: str = ""
    text: str = ""
    message_id: str = ""
    attachments: list[Upload] = field(default_factory=list)
    automatic: bool = False  # an out-of-office or other machine's answer (``is_automatic``)


def is_automatic(headers: Any) -> bool:
    """An answer no person wrote: ``Auto-Submitted`` other than ``no`` (RFC 3834),
    ``Precedence: bulk/junk/list/auto_reply``, or the ``X-Autoreply``/``X-Autorespond``
    headers some servers add."""
    submitted = str(headers.get("Auto-Submitted", "") or "").strip().lower()
    if submitted and submitted != "no":
        return True
    precedence = str(headers.get("Precedence", "") or "").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return True
    return bool(headers.get("X-Autoreply") or headers.get("X-Autorespond"))


# Where a mail program starts quoting what it answers (one line each).
QUOTE_HEADS = [
    re.compile(r"^\s*On .{1,300}wrote:\s*$"),  # Gmail, Apple Mail, Thunderbird
    re.compile(r"^\s*Le .{1,300}a écrit\s*:\s*$"),
    re.compile(r"^\s*Am .{1,300}schrieb .{1,300}:\s*$"),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),  # Outlook
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above From:/Sent:
    re.compile(r"^\s*From:\s.+$"),  # a forwarded or Outlook header block
    re.compile(r"^\s*-{2,}\s*Forwarded message\s*-{2,}\s*$", re.IGNORECASE),
]
SIGNATURE = re.compile(r"^-- ?$")  # the standard signature separator
MOBILE_SIGNATURE = re.compile(r"^\s*Sent from my \w+", re.IGNORECASE)


def reply_text(text: str) -> str:
    """The new text of an answer: cut at our "reply above this line" marker, at the first
    line where a mail program starts quoting, at a signature; quoted (``>``) lines
    dropped."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    marker = text.find(REPLY_MARKER)
    if marker >= 0:
        text = text[:marker]
    kept: list[str] = []
    for line in text.split("\n"):
        if any(head.match(line) for head in QUOTE_HEADS) and kept:
            break
        if SIGNATURE.match(line) or MOBILE_SIGNATURE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    # a "marker" line some clients leave ("On ... wrote:") wrapped onto two lines
    return "\n".join(kept).strip()


BLOCKQUOTE = re.compile(r"<blockquote\b.*?</blockquote>", re.IGNORECASE | re.DOTALL)
GMAIL_QUOTE = re.compile(r"<div[^>]*class=[\"']?[^\"'>]*gmail_quote.*", re.IGNORECASE | re.DOTALL)
INVISIBLE = re.compile(r"<(script|style|head)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
BREAKS = re.compile(r"<(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)
TAGS = re.compile(r"<[^>]+>")


def html_text(html: str) -> str:
    """Plain text of an HTML-only answer, without its quoted part."""
    html = INVISIBLE.sub("", html or "")
    html = GMAIL_QUOTE.sub("", BLOCKQUOTE.sub("", html))
    text = TAGS.sub("", BREAKS.sub("\n", html))
    lines = [" ".join(line.split()) for line in html_lib.unescape(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def from_mime(
    raw: bytes, *, envelope_from: str = "", envelope_to: list[str] | None = None
) -> InboundEmail:
    """An e-mail from its MIME source (and the SMTP envelope, when there is one)."""
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    recipients = [*(envelope_to or [])]
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        recipients += [str(value) for value in message.get_all(header, [])]
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = body.get_content()
        text = html_text(content) if body.get_content_type() == "text/html" else content
    uploads = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if part.get_content_maintype() != "multipart" and isinstance(payload, bytes):
            uploads.append(Upload(part.get_filename() or "file", payload))
    return InboundEmail(
        sender=str(message.get("From", "")) or envelope_from,
        recipients=recipients,
        subject=str(message.get("Subject", "")),
        text=text,
        message_id=str(message.get("Message-ID", "")).strip(),
        attachments=uploads,
        automatic=is_automatic(message),
    )


FORM_BYTES = "iso-8859-1"  # the form is read in it: one character per byte, none lost


def from_sendgrid(fields: Mapping[str, str], files: Mapping[str, Any]) -> InboundEmail:
    """An e-mail from SendGrid Inbound Parse's multipart fields, read as ``FORM_BYTES``:
    each is decoded here in the charset ``charsets`` gives it (UTF-8 when none). ``files``:
    the uploaded ``attachmentN`` parts (Django ``UploadedFile``); ``attachment-info`` names
    them."""
    charsets = _json(fields.get("charsets", ""))

    def field(name: str) -> str:
        raw_value = fields.get(name, "").encode(FORM_BYTES, errors="replace")
        charset = str(charsets.get(name) or "utf-8")
        try:
            return raw_value.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            return raw_value.decode("utf-8", errors="replace")

    raw = fields.get("email", "").encode(FORM_BYTES, errors="replace")
    envelope = _json(field("envelope"))
    envelope_to = [str(a) for a in envelope.get("to", []) if isinstance(a, str)]
    if raw:  # "POST the raw, full MIME message": its own bytes, parsed as MIME
        return from_mime(
            raw,
            envelope_from=str(envelope.get("from", "")),
            envelope_to=envelope_to,
        )
    headers = HeaderParser(policy=policy.default).parsestr(field("headers"))
    text = field("text") or html_text(field("html"))
    info = _json(field("attachment-info"))
    uploads = []
    for key in sorted(files, key=_attachment_number):
        if not key.startswith("attachment"):
            continue
        upload = files[key]
        described = info.get(key, {}) if isinstance(info.get(key), dict) else {}
        name = described.get("filename") or getattr(upload, "name", "") or key
        uploads.append(Upload(str(name), upload.read()))
    return InboundEmail(
        sender=field("from") or str(envelope.get("from", "")),
        recipients=[*envelope_to, field("to"), field("cc")],
        subject=field("subject"),
        text=text,
        message_id=str(headers.get("Message-ID", "")).strip(),
        attachments=uploads,
        automatic=is_automatic(headers),
    )


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _attachment_number(key: str) -> int:
    digits = key.removeprefix("attachment")
    return int(digits) if digits.isdigit() else 0
