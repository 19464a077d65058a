"""Uploaded files: sizes of images, PhotoSize lists, stored documents.

Telegram re-encodes a photo into several sizes (thumbnails up to 90, 320, 800
and 1280 px on the long side) and gives each its own ``file_id``.  The sandbox
reports the same size ladder but keeps the original bytes for every size; it
reads the real dimensions from the image header, and refuses what isn't an
image the way Telegram does (``IMAGE_PROCESS_FAILED``).
"""

from __future__ import annotations

import mimetypes
import struct
from typing import Literal

from sandbox.errors import bad_request
from sandbox.models import JSON, FileInfo
from sandbox.params import Upload
from sandbox.state import SandboxState, StoredFile

_PHOTO_SIDES = (90, 320, 800, 1280)
_KINDS: dict[str, tuple[str, str]] = {"photo": ("AgAC", "photos"), "document": ("BQAC", "documents")}


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF, JPEG or WebP image, from its header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and data[12:16] == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the JPEG segments to the first start-of-frame marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _store(
    state: SandboxState,
    kind: Literal["photo", "document"],
    data: bytes,
    *,
    extension: str,
    width: int | None = None,
    height: int | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
) -> StoredFile:
    prefix, folder = _KINDS[kind]
    number = state.next_file_number()
    info = FileInfo(
        file_id=f"{prefix}AgADSandbox{number:08d}",
        file_unique_id=f"AQAD{number:08d}",
        kind=kind,
        file_size=len(data),
        file_name=file_name,
        mime_type=mime_type,
        width=width,
        height=height,
    )
    stored = StoredFile(info, data, f"{folder}/file_{number}{extension}")
    state.files[info.file_id] = stored
    return stored


def store_photo(state: SandboxState, upload: Upload) -> list[StoredFile]:
    """Store an uploaded photo as its size ladder, smallest first."""
    size = image_size(upload.data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    longest = max(width, height)
    sides = [side for side in _PHOTO_SIDES if side < longest] + ([longest] if longest <= _PHOTO_SIDES[-1] else [])
    ladder = [
        _store(
            state,
            "photo",
            upload.data,
            extension=".jpg",
            width=max(1, round(width * side / longest)),
            height=max(1, round(height * side / longest)),
        )
        for side in sides
    ]
    for stored in ladder:
        stored.photo_sizes = ladder
    return ladder


def photo_size_json(info: FileInfo) -> JSON:
    return {
        "file_id": info.file_id,
        "file_unique_id": info.file_unique_id,
        "file_size": info.file_size,
        "width": info.width,
        "height": info.height,
    }


def store_document(state: SandboxState, upload: Upload) -> StoredFile:
    """Store an uploaded document with the name and MIME type Telegram would report."""
    if not upload.data:
        raise bad_request("file must be non-empty")
    name = upload.filename or "file"
    mime = mimetypes.guess_type(name)[0] or upload.content_type or "application/octet-stream"
    extension = mimetypes.guess_extension(mime) or ""
    return _store(state, "document", upload.data, extension=extension, file_name=name, mime_type=mime)


def document_json(info: FileInfo) -> JSON:
    return {
        key: value
        for key, value in {
            "file_id": info.file_id,
            "file_unique_id": info.file_unique_id,
            "file_name": info.file_name,
            "mime_type": info.mime_type,
            "file_size": info.file_size,
        }.items()
        if value is not None
    }


def known_file(state: SandboxState, file_id: str, kind: Literal["photo", "document"]) -> StoredFile:
    """A file re-sent by ``file_id``; the sandbox cannot fetch HTTP URLs."""
    stored = state.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.info.kind != kind:
        raise bad_request(f"can't use file of type {stored.info.kind.capitalize()} as {kind.capitalize()}")
    return stored
