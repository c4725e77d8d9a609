"""What a file is, from its first bytes (never its name or the client's content type)."""

from __future__ import annotations

from documents.models import ContentType

_SIGNATURES: tuple[tuple[bytes, ContentType], ...] = (
    (b"%PDF-", ContentType.PDF),
    (b"\x89PNG\r\n\x1a\n", ContentType.PNG),
    (b"\xff\xd8\xff", ContentType.JPEG),
)
# Named when refused, so the person learns what they sent.
_KNOWN_OTHERS: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a ZIP archive (or an Office file)"),
)


def sniff(head: bytes) -> ContentType | None:
    for magic, content_type in _SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def describe(head: bytes) -> str:
    for magic, what in _KNOWN_OTHERS:
        if head.startswith(magic):
            return what
    return "not a PDF, JPEG or PNG file"
