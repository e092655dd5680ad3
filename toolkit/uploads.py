"""Uploaded files are checked by their content, not their name, and capped in size."""

from __future__ import annotations

import uuid
from typing import Protocol

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
TEXT = {"txt": "text/plain", "csv": "text/csv"}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, GIF, MP4/MOV, WebM, Word, Excel, PowerPoint, CSV or plain text"
# The attribute check_upload sets on an upload it accepted: the content type its bytes proved.
CHECKED_TYPE = "checked_type"


class StoredUpload(Protocol):
    """A model instance that keeps an upload: a `file` FileField and `file_name` and
    `content_type` text fields."""

    file: FieldFile
    file_name: str
    content_type: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff_content_type(head: bytes, name: str) -> str | None:
    """The content type that the first bytes prove, or None when they prove nothing we accept."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    extension = _extension(name)
    if head.startswith(b"PK\x03\x04") and extension in OFFICE:
        return OFFICE[extension]
    if extension in TEXT and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character may be cut at the end of the sample; allow only that.
            if exc.start < len(head) - 4:
                return None
        return TEXT[extension]
    return None


def check_upload(upload: UploadedFile[bytes]) -> UploadedFile[bytes]:
    """Validate an UploadedFile: at most 10 MB and of an accepted type by content.
    Sets `upload.checked_type`; raises ValidationError with a message for the person."""
    size = upload.size or 0
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"The file is {size / 1024 / 1024:.1f} MB; the limit is 10 MB.")
    if size == 0:
        raise ValidationError("The file is empty.")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    content_type = sniff_content_type(head, upload.name or "")
    if content_type is None:
        raise ValidationError(f"This kind of file is not accepted. Upload a {ALLOWED_DESCRIPTION} file.")
    setattr(upload, CHECKED_TYPE, content_type)
    return upload


def random_stored_name(folder: str, filename: str) -> str:
    """A random name under `folder`, keeping only a short extension: an uploaded file's own name
    never reaches the disk or a URL."""
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"{folder}/{uuid.uuid4().hex}.{suffix}"


def attach_checked_upload(instance: StoredUpload, upload: UploadedFile[bytes]) -> None:
    """Store an upload already passed through check_upload on a model with file, file_name and
    content_type fields (the instance is saved by the caller)."""
    name = upload.name or ""
    instance.file_name = name[:200]
    instance.content_type = getattr(upload, CHECKED_TYPE, "") or ""
    instance.file.save(name, upload, save=False)


def download_response(instance: StoredUpload, *, fallback_name: str) -> FileResponse:
    """Serve a stored upload as an attachment, never rendered inline and never type-sniffed."""
    response = FileResponse(
        instance.file.open("rb"),
        as_attachment=True,
        filename=instance.file_name or fallback_name,
        content_type=instance.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
