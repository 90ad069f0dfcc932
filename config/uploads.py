"""Upload handling that enforces the size cap while the body streams in."""

from __future__ import annotations

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Writes uploads to a temporary file and stops reading once the cap is passed.

    ``StopUpload(connection_reset=True)`` makes Django stop consuming the body, so a
    client sending gigabytes is cut off at the cap instead of after the last byte.
    """

    def __init__(self, request: HttpRequest, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.request_obj = request

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.request_obj.upload_too_large = True  # type: ignore[attr-defined]
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)


def upload_was_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, "upload_too_large", False))
