"""Uploaded files: one place that decides what may be stored and how it is served back.

A file is accepted for what its bytes are, never for its name or the browser's claimed type:
the first bytes (and, for ZIP-based Office documents, the archive's directory) are matched
against an allow-list. SVG, HTML, XML and anything else that a browser could run is refused.
Stored files get a random name under ``MEDIA_ROOT/<prefix>/``; the name the user gave is
kept by the owning model for display only. Files are served through an authorised view with
``attachment_response``, never from ``MEDIA_URL``.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192
FILENAME_MAX_CHARS = 150


@dataclass(frozen=True)
class UploadKind:
    """One accepted type: what it is called, what it is served as, the stored extension."""

    name: str
    content_type: str
    extension: str


PDF = UploadKind("PDF", "application/pdf", "pdf")
PNG = UploadKind("PNG image", "image/png", "png")
JPEG = UploadKind("JPEG image", "image/jpeg", "jpg")
GIF = UploadKind("GIF image", "image/gif", "gif")
WEBP = UploadKind("WebP image", "image/webp", "webp")
TEXT = UploadKind("plain text", "text/plain; charset=utf-8", "txt")
CSV = UploadKind("CSV", "text/csv; charset=utf-8", "csv")
DOCX = UploadKind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
)
XLSX = UploadKind(
    "Excel workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
)
PPTX = UploadKind(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
)
ODT = UploadKind("OpenDocument text", "application/vnd.oasis.opendocument.text", "odt")
ODS = UploadKind(
    "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods"
)
ODP = UploadKind(
    "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", "odp"
)
OLE = UploadKind("Office 97-2003 document", "application/vnd.ms-office", "doc")

ALLOWED_KINDS: tuple[UploadKind, ...] = (
    PDF,
    PNG,
    JPEG,
    GIF,
    WEBP,
    TEXT,
    CSV,
    DOCX,
    XLSX,
    PPTX,
    ODT,
    ODS,
    ODP,
    OLE,
)
ALLOWED_EXTENSIONS = frozenset(kind.extension for kind in ALLOWED_KINDS)
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, GIF, WebP, plain text, CSV or an Office document"

_OOXML_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
    b"application/vnd.oasis.opendocument.presentation": ODP,
}
# What a browser would take for markup if it ever sniffed the text (WHATWG MIME sniffing's
# HTML patterns, plus XML and SVG): text starting like this, or holding a script, is refused.
_MARKUP = re.compile(
    rb"<(?:!doctype|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|svg|"
    rb"\?xml|!--|object|embed|math|meta|link|img|form|base)[\s>/]",
    re.IGNORECASE,
)
_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def upload_max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", UPLOAD_MAX_BYTES))


def _head(file: IO[bytes], size: int) -> bytes:
    file.seek(0)
    data = file.read(size)
    file.seek(0)
    return data if isinstance(data, bytes) else data.encode()


def _zip_kind(file: IO[bytes]) -> UploadKind | None:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                return _ODF_TYPES.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" not in names:
                return None
            for prefix, kind in _OOXML_PARTS.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
            return None
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return None
    finally:
        file.seek(0)


def _text_kind(file: IO[bytes], *, csv_name: bool) -> UploadKind | None:
    file.seek(0)
    data = file.read()
    file.seek(0)
    if isinstance(data, str):
        data = data.encode()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _TEXT_CONTROL.search(data):
        return None
    if _MARKUP.search(data) or data.lstrip().startswith(b"<"):
        return None
    return CSV if csv_name else TEXT


def sniff(file: IO[bytes], *, name: str = "") -> UploadKind | None:
    """What the bytes of `file` are, among the allowed kinds; None when none matches.

    `name` only tells CSV from plain text once the content is known to be safe text.
    """
    head = _head(file, SNIFF_BYTES)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(file)
    if not head:
        return None
    return _text_kind(file, csv_name=name.lower().endswith(".csv"))


@dataclass(frozen=True)
class ValidatedUpload:
    """An accepted upload: its kind and the cleaned name to show and download it under."""

    kind: UploadKind
    filename: str


def validate_upload(file: Any, *, field: str, max_bytes: int | None = None) -> ValidatedUpload:
    """Accept `file` only if its content is an allowed type and it is within the size limit
    (`max_bytes`, never above `UPLOAD_MAX_BYTES`, the hard cap for any file).

    Raises ValidationError keyed by `field`. On success the file's name is replaced by a random
    one with the detected type's extension (the user's name is returned as `filename`).
    """
    limit = min(max_bytes, upload_max_bytes()) if max_bytes is not None else upload_max_bytes()
    size = getattr(file, "size", None)
    if size is None:
        raise ValidationError({field: "Upload a file."})
    if size > limit:
        raise ValidationError({field: f"Files up to {_human_size(limit)}."})
    if size == 0:
        raise ValidationError({field: "The file is empty."})
    original = safe_filename(getattr(file, "name", "") or "")
    kind = sniff(file, name=original)
    if kind is None:
        raise ValidationError(
            {field: f"This file type is not accepted: upload {ALLOWED_DESCRIPTION}."}
        )
    file.name = f"{secrets.token_hex(16)}.{kind.extension}"
    if hasattr(file, "content_type"):
        file.content_type = kind.content_type
    return ValidatedUpload(kind=kind, filename=_with_extension(original, kind))


class UploadSizeLimitHandler(FileUploadHandler):
    """The first upload handler: the bytes of a file past `UPLOAD_MAX_BYTES` are not written
    anywhere (no memory or temporary file grows with what a client sends). The field gets an
    empty placeholder whose `size` is what was sent, so `validate_upload` refuses it with the
    size message naming the field, as for any other too-large file."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over_limit = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > upload_max_bytes():
            self.over_limit = True
            return None  # the later handlers never see this chunk
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over_limit:
            return None  # the next handler completes the file
        return InMemoryUploadedFile(
            io.BytesIO(b""),
            self.field_name,
            self.file_name,
            self.content_type,
            self.received,
            self.charset,
        )


def _human_size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} bytes"


def _with_extension(filename: str, kind: UploadKind) -> str:
    stem = PurePosixPath(filename).stem if "." in filename else filename
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    if suffix == kind.extension or (kind is JPEG and suffix == "jpeg"):
        return filename
    if kind is OLE and suffix in {"doc", "xls", "ppt"}:
        return filename
    if kind is TEXT and suffix in {"txt", "text", "log", "md"}:
        return filename
    return f"{stem or 'file'}.{kind.extension}"


def safe_filename(name: str) -> str:
    """A display/download name without paths, control characters or line breaks, bounded."""
    name = unicodedata.normalize("NFC", str(name).replace("\\", "/")).split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*')
    name = " ".join(name.split()).strip(" .")
    if len(name) > FILENAME_MAX_CHARS:
        path = PurePosixPath(name)
        suffix = path.suffix[:10]
        name = path.stem[: FILENAME_MAX_CHARS - len(suffix)] + suffix
    return name or "file"


@deconstructible
class UploadTo:
    """`upload_to` for FileFields: `<prefix>/<random>.<ext>`, the extension kept only if allowed."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.strip("/")

    def __call__(self, instance: Any, filename: str) -> str:
        suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
        extension = suffix if suffix in ALLOWED_EXTENSIONS else "bin"
        return f"{self.prefix}/{secrets.token_hex(16)}.{extension}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadTo) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the RFC 6266 / RFC 5987 UTF-8 `filename*`."""
    clean = safe_filename(filename)
    fallback = (
        unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode("ascii") or "download"
    )
    fallback = fallback.replace("\\", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(clean, safe='')}"


def attachment_response(file_field: FieldFile, *, filename: str) -> FileResponse:
    """Serve a stored upload as a download the browser will not render or run.

    The type is taken again from the stored bytes (octet-stream if they match nothing allowed);
    the response forbids sniffing and sandboxes anything opened from it. Raises Http404 when
    the file is missing.
    """
    if not file_field:
        raise Http404("No file.")
    try:
        handle = file_field.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file is no longer stored.") from exc
    kind = sniff(handle, name=file_field.name or "")
    response = FileResponse(
        handle, content_type=kind.content_type if kind else "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


__all__ = [
    "ALLOWED_KINDS",
    "UploadKind",
    "UploadTo",
    "ValidatedUpload",
    "attachment_response",
    "content_disposition",
    "safe_filename",
    "sniff",
    "validate_upload",
]
