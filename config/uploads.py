"""Upload handling that enforces the size cap while the body streams in."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest
from rest_framework.request import Request

from jobs.errors import InvalidJobRequest
from jobs.services.intake import ensure_size_allowed, max_upload_bytes

# Multipart framing adds a little to the file's own size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


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


class CappedUploadMixin:
    """For API views taking an upload: refuse a declared oversize body before reading
    it, and cap the rest while it streams.

    The capped handler goes in before DRF authenticates, because session
    authentication's CSRF check is the first thing to read the body; the size is judged
    after authentication, so a stranger learns nothing but 401.

    ``files_max`` above one (a batch) lets the body hold that many files at the cap
    each; each file's own size is judged again when its job is created.
    """

    files_max = 1

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        request._request.upload_handlers = [
            SizeLimitedUploadHandler(request._request, max_bytes=self.body_bytes_max())
        ]
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def body_bytes_max(self) -> int:
        return max_upload_bytes() * self.files_max

    def uploaded_data(self, request: Request) -> Any:
        """The parsed body, or FileTooLarge when it is (or turns out) over the cap."""
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if max(0, declared - MULTIPART_OVERHEAD_BYTES) > self.body_bytes_max():
            ensure_size_allowed(max_upload_bytes() + 1)
        data = request.data
        if upload_was_too_large(request._request):
            ensure_size_allowed(max_upload_bytes() + 1)
        if self.files_max == 1 and len(request.FILES.getlist("file")) > 1:
            # Which one would be transcribed and charged would be a guess.
            raise InvalidJobRequest("Send one file per request in the 'file' field.")
        return data
