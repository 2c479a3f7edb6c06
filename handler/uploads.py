"""One uploaded image from a request body: raw (``Content-Type: image/png``...) or multipart field ``file``.

Routes and the direct Lambda lane (``handler/direct.py``) read uploads here, so both accept exactly the
same bodies. No web framework at import: the direct lane answers without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from handler.errors import InvalidImage, UnsupportedMediaType

if TYPE_CHECKING:
    from starlette.requests import Request

FIELD = "file"
MULTIPART = "multipart/form-data"
RAW_TYPES = ("image/", "application/octet-stream")  # sent as the image itself
# What `curl --data-binary @digit.png` sends without -H. An HTTP API passes such a body to Lambda as
# text, which garbles binary bytes: refused with the fix, rather than read as a broken image.
CURL_DEFAULT = "application/x-www-form-urlencoded"
RAW_DOCUMENTED = ("image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/tiff",
                  "application/octet-stream")
HOW_TO_SEND = (f"send the image as the request body (Content-Type: image/png, image/jpeg, ... or "
               f"application/octet-stream) or as the multipart form field `{FIELD}`")


class Upload(NamedTuple):
    data: bytes
    content_type: str | None  # as declared by the client; the bytes are sniffed anyway
    filename: str | None


def parse_upload(body: bytes, content_type: str | None) -> Upload:
    """The image in a request body, by its Content-Type; a 400/415 ``DigitApiError`` that says what to send."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == MULTIPART:
        return _multipart_file(body, content_type or "")
    if media_type and not media_type.startswith(RAW_TYPES):
        hint = " (curl: add -H 'Content-Type: image/png')" if media_type == CURL_DEFAULT else ""
        raise UnsupportedMediaType(f"unsupported content type {media_type!r}: {HOW_TO_SEND}{hint}")
    if not body:
        raise InvalidImage(f"no image in the request: {HOW_TO_SEND}")
    return Upload(body, media_type or "application/octet-stream", None)


def request_body_openapi(description: str) -> dict[str, Any]:
    """A route's ``openapi_extra``: both request bodies ``read_upload`` takes (FastAPI cannot infer them)."""
    binary = {"type": "string", "format": "binary", "description": description}
    form = {"type": "object", "required": [FIELD], "properties": {FIELD: binary}}
    return {"requestBody": {"required": True, "content": {
        MULTIPART: {"schema": form}, **{media_type: {"schema": binary} for media_type in RAW_DOCUMENTED},
    }}}


async def read_upload(request: Request) -> Upload:
    """``parse_upload`` on a Starlette request (the body is at most Lambda's 6 MB: read whole)."""
    return parse_upload(await request.body(), request.headers.get("content-type"))


def _multipart_file(body: bytes, content_type: str) -> Upload:
    boundary = parse_options_header(content_type)[1].get(b"boundary")
    if not boundary:
        raise InvalidImage("the multipart body has no boundary in its Content-Type")
    parts: list[tuple[dict[bytes, bytes], list[bytes]]] = []
    header: list[bytes] = [b"", b""]  # the header being read: name, value

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        parts[-1][0][header[0].lower()] = header[1]
        header[:] = [b"", b""]

    callbacks: Any = {
        "on_part_begin": lambda: parts.append(({}, [])), "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_part_data": lambda data, start, end: parts[-1][1].append(data[start:end]),
    }
    try:
        parser = MultipartParser(boundary, callbacks)
        parser.write(body)
        parser.finalize()
    except MultipartParseError as error:
        raise InvalidImage(f"the multipart body cannot be parsed: {error}") from error
    for headers, chunks in parts:
        disposition, options = parse_options_header(headers.get(b"content-disposition"))
        if disposition == b"form-data" and options.get(b"name") == FIELD.encode():
            filename = options.get(b"filename")
            part_type = headers.get(b"content-type")
            return Upload(b"".join(chunks), part_type.decode("latin-1") if part_type is not None else None,
                          filename.decode("utf-8", "replace") if filename is not None else None)
    raise InvalidImage(f"no `{FIELD}` field in the multipart form: {HOW_TO_SEND}")
