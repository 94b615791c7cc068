"""Errors raised by borderline.

Every error carries a one-line message that names the offending value and says what to do.
The CLI prints that line and exits with :attr:`BorderlineError.exit_code`; it never shows a traceback.
"""

from __future__ import annotations


class BorderlineError(ValueError):
    """Base class of every error borderline raises on bad input."""

    exit_code: int = 2


class InputFileError(BorderlineError):
    """A file is missing, unreadable or in an unsupported format."""


class DataError(BorderlineError):
    """Input data are present but unusable (wrong geometry type, missing column, invalid polygons)."""


class UnknownStateError(BorderlineError):
    """A state code or name is not in the layer."""


class NoSharedBorderError(BorderlineError):
    """Two states share no border."""


class DatasetError(BorderlineError):
    """A catalogued dataset is unknown, not cached, or fails its checksum."""


class OutputError(BorderlineError):
    """An output path cannot be written (unknown suffix, missing folder)."""


class BorderlineWarning(UserWarning):
    """A recoverable problem with the input that borderline worked around, and says so."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when empty), for one-line errors."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
