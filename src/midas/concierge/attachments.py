"""What a ticket accepts as an attachment: images and PDFs, each under
``CONCIERGE_ATTACHMENT_MAX_BYTES``, at most ``CONCIERGE_ATTACHMENTS_PER_MESSAGE`` per message.

The type is read from the file's first bytes, never taken from the name or the declared
type (a script renamed ``photo.jpg`` is refused), and the stored name is ours
(``models.attachment_path``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from midas.errors import AppError, ErrorCode

# content type -> (file signature test, extension)
SIGNATURES: dict[str, tuple[tuple[bytes, ...], str]] = {
    "image/jpeg": ((b"\xff\xd8\xff",), "jpg"),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), "png"),
    "image/gif": ((b"GIF87a", b"GIF89a"), "gif"),
    "image/webp": ((b"RIFF",), "webp"),  # RIFF....WEBP, checked below
    "application/pdf": ((b"%PDF-",), "pdf"),
}
ACCEPTED = ", ".join(sorted(ext for _, ext in SIGNATURES.values()))


@dataclass(frozen=True)
class Upload:
    """A file as it arrives (a form, the API, an e-mail), before it is checked."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content_type: str
    content: bytes


def sniff(content: bytes) -> str | None:
    """The accepted content type these bytes are, or None."""
    for content_type, (starts, _) in SIGNATURES.items():
        if any(content.startswith(start) for start in starts):
            if content_type == "image/webp" and content[8:12] != b"WEBP":
                continue
            return content_type
    return None


def clean_filename(filename: str, content_type: str) -> str:
    """A display name: the base name without path or control characters, with the
    extension of its real type."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>').strip() or "file"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:150]}.{SIGNATURES[content_type][1]}"


def upload_problem(upload: Upload) -> str | None:
    """Why this file is refused, or None."""
    limit = settings.CONCIERGE_ATTACHMENT_MAX_BYTES
    if not upload.content:
        return f"{upload.filename or 'a file'} is empty"
    if len(upload.content) > limit:
        return f"{upload.filename} is larger than {limit // (1024 * 1024) or 1} MB"
    if sniff(upload.content) is None:
        return f"{upload.filename} is not an image or a PDF ({ACCEPTED})"
    return None


def uploads_check(
    uploads: list[Upload], *, strict: bool = True
) -> tuple[list[CheckedUpload], list[str]]:
    """The accepted files and why the others were refused. ``strict`` (the pages and the
    API): any refusal is an ``invalid_input`` error and nothing is kept. Not strict
    (e-mail): the bad ones are left out and named."""
    refused: list[str] = []
    checked: list[CheckedUpload] = []
    most = settings.CONCIERGE_ATTACHMENTS_PER_MESSAGE
    for upload in uploads:
        problem = upload_problem(upload)
        if problem is None and len(checked) >= most:
            problem = f"{upload.filename} is one file too many (at most {most})"
        if problem:
            refused.append(problem)
            continue
        content_type = sniff(upload.content) or "application/octet-stream"
        checked.append(
            CheckedUpload(
                filename=clean_filename(upload.filename, content_type),
                content_type=content_type,
                content=upload.content,
            )
        )
    if strict and refused:
        raise AppError(ErrorCode.INVALID_INPUT, "; ".join(refused), field="attachments")
    return checked, refused
