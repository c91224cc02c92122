"""Exception types shared across storesync.

Three families, by who has to act:

- a bad *value* (`InvalidValue`): raised by parsers and converters that do not know which record they
  are working on; callers that do know turn it into a record error;
- a bad *record* (`RecordError`, `RecordMappingError`): permanent for that one record, so it goes to the
  dead-letter queue with this message as the reason while the rest of the batch goes on;
- bad *configuration* (`SpecError`, `MappingContextError`): permanent for the whole run, fail fast.

Messages always name the record and the field, never only "invalid input".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_PREVIEW_CHARS = 80


def preview(value: Any) -> str:
    """A short repr of a value for error messages (long payloads would swamp logs and the DLQ)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - e.g. ints beyond the str-conversion digit limit; an error must still print
        return f"<{type(value).__name__} that cannot be shown>"
    if len(text) > _PREVIEW_CHARS:
        return text[: _PREVIEW_CHARS - 3] + "..."
    return text


def kind_of(value: Any) -> str:
    """A reader's name for a value's JSON kind: "null", "a boolean", "an object", "a list", else the type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


class InvalidValue(ValueError):
    """One value could not be parsed or converted; ``field`` names what was being converted."""

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason} (got {preview(value)})")

    def __reduce__(self):
        return (type(self), (self.field, self.value, self.reason))


class RecordError(Exception):
    """One record cannot be processed; the rest of the batch can.

    ``code`` is a short machine-readable category (it becomes the DLQ ``reason_code``).
    """

    def __init__(self, record_key: str | None, field: str, reason: str, code: str = "invalid_value") -> None:
        self.record_key = record_key
        self.field = field
        self.reason = reason
        self.code = code
        super().__init__(self._message())

    def _message(self) -> str:
        return f"record {_key_text(self.record_key)}, field '{self.field}': {self.reason} [{self.code}]"

    def __reduce__(self):
        return (type(self), (self.record_key, self.field, self.reason, self.code))


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field of one record that could not be mapped."""

    field: str
    reason: str
    value: Any = None

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.field}: {self.reason}"
        return f"{self.field}: {self.reason} (got {preview(self.value)})"


class RecordMappingError(RecordError):
    """Every field error of one record, collected so a single DLQ entry explains all of them."""

    CODE = "mapping_failed"

    def __init__(self, record_key: str | None, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        fields = ", ".join(dict.fromkeys(error.field for error in self.errors))
        reason = "; ".join(str(error) for error in self.errors)
        super().__init__(record_key, fields, reason, self.CODE)

    def _message(self) -> str:
        count = len(self.errors)
        noun = "field error" if count == 1 else "field errors"
        return f"record {_key_text(self.record_key)}: {count} {noun}: {self.reason}"

    def __reduce__(self):
        return (type(self), (self.record_key, self.errors))


class SpecError(ValueError):
    """A mapping spec is invalid; the message names the file, the field and the valid values."""


class MappingContextError(LookupError):
    """The run-time context lacks values a mapping spec refers to (a configuration error, not a record's)."""


def _key_text(record_key: str | None) -> str:
    return "<unknown key>" if record_key is None else repr(str(record_key))
