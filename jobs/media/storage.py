"""Media in ``default_storage``, whatever the backend: local files or S3-compatible.

Decoders need a seekable local file. With local storage that is the stored file itself;
with S3-compatible storage the object is streamed to a temporary file for the job.
The player's byte ranges are read straight from the object instead: django-storages'
``S3File`` downloads the whole object on first read, which for an hour of audio would
mean hundreds of megabytes fetched for every seek.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage, storages

READ_BYTES = 64 * 1024


@contextmanager
def local_media(name: str) -> Iterator[Path]:
    try:
        yield Path(default_storage.path(name))
        return
    except NotImplementedError:
        pass  # remote storage: fall through to a temporary copy
    suffix = Path(name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        with default_storage.open(name, "rb") as remote:
            shutil.copyfileobj(remote, tmp, length=1024 * 1024)
        tmp.flush()
        yield Path(tmp.name)


def media_read(name: str, first: int, length: int) -> Iterator[bytes]:
    """``length`` bytes of the stored file ``name`` from offset ``first``, in pieces.

    From an S3 bucket this is one ranged GET, so only the bytes asked for cross the
    network; elsewhere the file is opened and read from ``first``.
    """
    if length <= 0:
        return
    bucket = _s3_bucket()
    if bucket is not None:
        answer = bucket.Object(name).get(Range=f"bytes={first}-{first + length - 1}")
        yield from answer["Body"].iter_chunks(READ_BYTES)
        return
    with default_storage.open(name, "rb") as handle:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            piece = handle.read(min(READ_BYTES, remaining))
            if not piece:
                break
            remaining -= len(piece)
            yield piece


def media_size(name: str) -> int | None:
    """The stored file's size in bytes; None when it is not (or no longer) stored."""
    try:
        return default_storage.size(name)
    except (OSError, NotImplementedError):
        return None
    except Exception as exc:
        # boto3's ClientError, without importing boto3 for local storage: a missing
        # object is a 404 there; anything else (credentials, network) is a real error.
        status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            return None
        raise


def _s3_bucket() -> Any | None:
    """boto3's Bucket behind ``default_storage`` when it is django-storages' S3Storage."""
    from storages.backends.s3 import S3Storage  # boto3 is imported only when S3 is used

    storage = storages["default"]  # the backend itself, not default_storage's lazy proxy
    if not isinstance(storage, S3Storage):
        return None
    return storage.bucket
