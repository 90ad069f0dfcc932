"""Media files as local paths, whatever the storage backend.

Decoders need a seekable local file. With local storage that is the stored file itself;
with S3-compatible storage the object is streamed to a temporary file for the job.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage


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
