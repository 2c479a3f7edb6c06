"""Domain errors, each mapped once to an HTTP status in ``handler/app.py``."""

from __future__ import annotations

MAX_ECHO_CHARS = 100  # of a client's string (a file name, a declared type) quoted in an error message


def printable(text: str | None, limit: int = MAX_ECHO_CHARS) -> str:
    """A client's string made safe to quote: printable characters only, at most ``limit`` of them, no angle
    brackets (a page that shows the detail as HTML would otherwise run what the client sent)."""
    cleaned = "".join(c if c.isprintable() and c not in "<>" else "?" for c in (text or "")[: limit + 1])
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


class DigitApiError(Exception):
    """Base class: ``status_code`` is the HTTP answer, the message is the JSON ``detail``."""

    status_code = 400


class InvalidImage(DigitApiError):
    """The upload is not an image we can decode (truncated, corrupt, not an image at all)."""

    status_code = 400


class UploadTooLarge(DigitApiError):
    """Too many bytes, or too many pixels once the header is read."""

    status_code = 413


class UnsupportedMediaType(DigitApiError):
    """A file type the service does not read (SVG, PDF, text...)."""

    status_code = 415


class UnusableImage(DigitApiError):
    """A valid image that holds no readable digit, or breaks the rules of the mode asked for."""

    status_code = 422


class ModelUnavailable(DigitApiError):
    """The model file is missing or cannot be loaded: the service cannot answer right now."""

    status_code = 503
