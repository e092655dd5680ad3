"""Uploaded files are checked by their content, not their name, and capped in size."""

from __future__ import annotations

import uuid
from typing import Protocol, cast

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.http import FileResponse

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# The types accepted, each with the extension its stored file gets (derived from the detected
# type, never from the uploader's file name).
ACCEPTED = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/webm": "webm",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "text/plain": "txt",
    "text/csv": "csv",
}
TEXT = {"txt": "text/plain", "csv": "text/csv"}
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, GIF, MP4/MOV, WebM, Word, Excel, PowerPoint, CSV or plain text"
# The attribute check_upload sets on an upload it accepted: the content type its bytes proved.
CHECKED_TYPE = "checked_type"
SNIFF_BYTES = 8192  # enough for the signatures, and for the part list at the start of an Office file


class StoredUpload(Protocol):
    """A model instance that keeps an upload: a `file` FileField and `file_name` and
    `content_type` text fields."""

    file: FieldFile
    file_name: str
    content_type: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff_content_type(head: bytes, name: str) -> str | None:
    """The content type that the first bytes prove, or None when they prove nothing we accept.

    Binary formats are recognised by `filetype` (a maintained signature library: it tells HEIC
    from MP4 by the brand in an `ftyp` box, and a Word file from any ZIP by its parts); plain text
    and CSV, which have no signature, by being UTF-8 without NUL bytes under a .txt/.csv name."""
    detected = filetype.guess_mime(head)
    if detected is not None:
        return detected if detected in ACCEPTED and detected not in TEXT.values() else None
    extension = _extension(name)
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
    head = upload.read(SNIFF_BYTES)
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
    """Attach an upload already passed through check_upload to a model with file, file_name and
    content_type fields; the caller validates and saves the row inside a transaction.

    The row gets the stored name now and the bytes are written once that transaction commits:
    a row that fails validation or rolls back leaves no file behind. The stored file's extension
    comes from the type its content proved (a PNG named page.html is stored as .png)."""
    name = upload.name or ""
    instance.file_name = name[:200]
    instance.content_type = getattr(upload, CHECKED_TYPE, "") or ""
    extension = ACCEPTED.get(instance.content_type, "bin")
    field = instance.file.field
    # upload_to gives a random name; the instance is a model row (StoredUpload only names its fields).
    stored = field.generate_filename(cast(Model, instance), f"upload.{extension}")
    instance.file.name = stored
    storage = instance.file.storage
    upload.seek(0)
    content = ContentFile(upload.read())  # at most MAX_UPLOAD_BYTES; the upload is closed with its request

    def write() -> None:
        written = storage.save(stored, content)
        if written != stored:  # a random name is never taken; refuse to point the row elsewhere
            storage.delete(written)
            raise RuntimeError(f"The upload could not be stored as {stored}.")

    transaction.on_commit(write)


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
