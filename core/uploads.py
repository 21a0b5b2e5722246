"""Checks on uploaded evidence: size, type by content (not only the name), and a safe file name."""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import Any

from django.core.exceptions import ValidationError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_LABEL = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, PNG or JPEG"

OFFICE = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
LEGACY_OFFICE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}


def safe_name(name: str) -> str:
    """The file's base name with anything but letters, digits, dot, dash and underscore replaced."""
    base = os.path.basename(name.replace("\\", "/")).strip().lstrip(".")
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base)[:100].strip("-")
    return base or "evidence"


def _sniff(head: bytes, data: bytes, ext: str) -> str | None:
    if ext == ".pdf":
        return "application/pdf" if head.startswith(b"%PDF-") else None
    if ext == ".png":
        return "image/png" if head.startswith(b"\x89PNG\r\n\x1a\n") else None
    if ext in (".jpg", ".jpeg"):
        return "image/jpeg" if head.startswith(b"\xff\xd8\xff") else None
    if ext in LEGACY_OFFICE:
        return LEGACY_OFFICE[ext] if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") else None
    if ext in OFFICE:
        if not head.startswith(b"PK\x03\x04"):
            return None
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        ok = "[Content_Types].xml" in names if ext in (".docx", ".xlsx", ".pptx") else "mimetype" in names
        return OFFICE[ext] if ok else None
    if ext in (".csv", ".txt"):
        if b"\x00" in data:
            return None
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
        return "text/csv" if ext == ".csv" else "text/plain"
    return None


def _check_name(name: str) -> None:
    # A browser sends only the file's own name. Folders, control characters or a leading dot mean a
    # hand-made request (or a hidden file): refuse rather than guess what was meant.
    if (
        not name
        or "/" in name
        or "\\" in name
        or name.startswith(".")
        or len(name) > 255
        or any(ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        raise ValidationError(
            "The file name is not allowed: it must not name a folder, start with a dot or contain control "
            "characters. Rename the file and upload it again."
        )


def check_upload(upload: Any) -> tuple[str, str]:
    """Return (safe file name, content type) or raise ValidationError with a plain message."""
    _check_name(upload.name or "")
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The file is too large: the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    name = safe_name(upload.name)
    ext = os.path.splitext(name)[1].lower()
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    content_type = _sniff(data[:16], data, ext)
    if content_type is None:
        raise ValidationError(
            f"This file is not an accepted type, or its content does not match its name. Upload a {ALLOWED_LABEL} file."
        )
    upload.name = name
    return name, content_type


def download(stored: Any) -> Any:
    """Serve a checked upload (evidence, case document) back: always as an attachment under its
    original name and checked type, never sniffed by the browser. Callers check permission first."""
    from django.http import FileResponse

    response = FileResponse(
        stored.file.open("rb"), as_attachment=True, filename=stored.original_name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
