"""The one text type of every free-text field: what is refused, what is normalised.

Text a person sends ends up in three places: a Temporal history (JSON), the read model
(Postgres `text` and `jsonb`) and pages. Postgres refuses some text that JSON and Python accept,
and a projection that cannot store a case's text fails on every retry: the case freezes. So
every free-text field of every model (reasons, notes, names, references, codes) is one of the
types below, and the rule is checked where the text enters, before it reaches a workflow:

Refused (422, saying which character and where):
- NUL (U+0000): Postgres `text` cannot hold it, `jsonb` refuses `\\u0000`;
- unpaired surrogates (U+D800..U+DFFF): not encodable as UTF-8, so neither storable nor
  sendable;
- other control characters, C0 (U+0001..U+001F), DEL and C1 (U+007F..U+009F): tab and line
  feed are kept in multi-line text (a reason may have paragraphs), refused in a single line;
- line and paragraph separators (U+2028, U+2029) in a single line;
- blank where the field is required, and lengths beyond the field's bound (counted after
  normalising).

Normalised (stored as normalised): Unicode NFC (one spelling for one text: "é" is one code
point), CRLF and lone CR to LF, surrounding whitespace stripped.

What a Temporal history already holds is read as it was written (`RECORDED`): a running case
must replay exactly as it ran, whatever was accepted before this rule existed. Such a case is
repaired by `sanitise` (the incident path, `activities/incidents.py`), never by refusing its
own history.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from annotated_types import MaxLen, MinLen
from pydantic import AfterValidator, ValidationInfo

# The validation context under which payloads read back from a Temporal history are decoded
# (config/recorded_payloads.py): text checks step aside, the history is the record.
RECORDED = "sinergi_recorded"
RECORDED_CONTEXT: dict[str, Any] = {RECORDED: True}

_MULTILINE_ALLOWED = frozenset("\n\t")
_LINE_SEPARATORS = frozenset("\u2028\u2029")


def _describe(char: str) -> str:
    code = ord(char)
    if code == 0:
        return "a NUL character (U+0000)"
    if 0xD800 <= code <= 0xDFFF:
        return f"an unpaired surrogate (U+{code:04X})"
    if char in "\n\r":
        return "a line break"
    if char == "\t":
        return "a tab"
    if char in _LINE_SEPARATORS:
        return f"a line separator (U+{code:04X})"
    return f"a control character (U+{code:04X})"


def _refused(char: str, multiline: bool) -> bool:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return True
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return not (multiline and char in _MULTILINE_ALLOWED)
    return not multiline and char in _LINE_SEPARATORS


def _unify_breaks(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def text_problem(value: str, *, multiline: bool) -> str | None:
    """What is wrong with `value` for storage, in words a person can act on; None if nothing."""
    for position, char in enumerate(_unify_breaks(value)):
        if _refused(char, multiline):
            where = "" if multiline else " (this field is a single line)"
            return f"{_describe(char)} at position {position + 1} is not allowed{where}"
    return None


def normalise(value: str) -> str:
    """NFC, one kind of line break, no surrounding whitespace. Only for text without problems
    (unicodedata cannot normalise an unpaired surrogate)."""
    return unicodedata.normalize("NFC", _unify_breaks(value)).strip()


def sanitise(value: str, *, multiline: bool = True) -> str:
    """The repair for text accepted before these rules: drop what is refused (unpaired
    surrogates become U+FFFD, so the reader sees something was there), then normalise."""
    kept = []
    for char in _unify_breaks(value):
        if 0xD800 <= ord(char) <= 0xDFFF:
            kept.append("\ufffd")
        elif _refused(char, multiline):
            kept.append(" " if char in "\n\t\u2028\u2029" else "")
        else:
            kept.append(char)
    return normalise("".join(kept))


def check_text(value: str, *, multiline: bool, min_length: int, max_length: int) -> str:
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise ValueError(problem)
    cleaned = normalise(value)
    if len(cleaned) < min_length:
        if not cleaned:
            raise ValueError("must not be blank")
        raise ValueError(f"must be at least {min_length} characters (without surrounding spaces)")
    if len(cleaned) > max_length:
        raise ValueError(f"must be at most {max_length} characters")
    return cleaned


def _validator(*, multiline: bool, min_length: int, max_length: int) -> AfterValidator:
    def validate(value: str, info: ValidationInfo) -> str:
        if info.context and info.context.get(RECORDED):
            return value  # read back from a history: as it was written
        return check_text(value, multiline=multiline, min_length=min_length, max_length=max_length)

    return AfterValidator(validate)


# The shared vocabulary: every free-text field of every model is one of these. (The raw bound
# is looser than the rule's: input may carry spaces and CRLF the rule removes before counting.)
Reason = Annotated[  # why a decision was taken
    str, MinLen(3), MaxLen(4096), _validator(multiline=True, min_length=3, max_length=2000)
]
Note = Annotated[  # an optional remark
    str, MaxLen(4096), _validator(multiline=True, min_length=0, max_length=2000)
]
Name = Annotated[  # a person, a position, a place
    str, MinLen(2), MaxLen(400), _validator(multiline=False, min_length=2, max_length=200)
]
Code = Annotated[  # a unit, a module, a TUK, a reference, a document's name
    str, MinLen(1), MaxLen(128), _validator(multiline=False, min_length=1, max_length=64)
]
Subject = Annotated[  # a person's login
    str, MinLen(1), MaxLen(256), _validator(multiline=False, min_length=1, max_length=128)
]
