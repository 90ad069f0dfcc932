"""The job's audio for the page's player, with HTTP Range support.

Browsers only let a listener seek in an <audio> element when the server answers Range
requests with 206 Partial Content, so clicking a transcript segment depends on this.
The file is streamed from ``default_storage`` in chunks: it may be hours long, and with
S3 storage it is never on local disk.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from accounts.pages.base import page_organization
from jobs.errors import JobNotFound
from jobs.media.storage import media_read, media_size
from jobs.models import TranscriptionJob
from jobs.organization_data.retention import audio_deleted_message
from jobs.selectors import job_get

# By the extension intake stored the file under, which comes from the probed container;
# the client's file name and MIME type never reach this header.
CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".webm": "audio/webm",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
}
_RANGE_SPEC = re.compile(r"(\d*)-(\d*)", re.ASCII)


class RangeNotSatisfiable(Exception):
    """The Range header is malformed or asks for bytes the file does not have."""


def parse_byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The single byte range ``header`` asks for, as inclusive (first, last) offsets.

    None means "ignore the header and send the whole file": a unit other than bytes, or
    several ranges (RFC 9110 lets a server ignore Range; players only ever ask for one).
    """
    unit, equals, spec = header.partition("=")
    if not equals:
        raise RangeNotSatisfiable()
    if unit.strip().lower() != "bytes":
        return None
    parts = [part.strip() for part in spec.split(",")]
    if len(parts) > 1:
        return None
    match = _RANGE_SPEC.fullmatch(parts[0])
    if match is None:
        raise RangeNotSatisfiable()
    first_text, last_text = match.groups()
    if not first_text:
        # A suffix range, "bytes=-500": the last 500 bytes (or the whole of a shorter file).
        if not last_text or int(last_text) == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - int(last_text)), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last < first or first >= size:
        raise RangeNotSatisfiable()
    return first, min(last, size - 1)


@login_required
@require_safe
def job_audio(request: HttpRequest, job_id: uuid.UUID) -> HttpResponseBase:
    try:
        job = job_get(page_organization(request), job_id)
    except JobNotFound:
        raise Http404("No such job.") from None
    return job_audio_response(request, job)


def job_audio_response(request: HttpRequest, job: TranscriptionJob) -> HttpResponseBase:
    """The job's audio, ranges honoured, for a caller that has already checked access
    (the organization's pages above, the review desk for a reviewer's claimed task)."""
    name = job.media.name
    if not name and job.media_deleted_at is not None:
        # Gone for good, on purpose: 410 tells the player (and any cache) not to retry.
        return HttpResponse(
            audio_deleted_message(job), status=410, content_type="text/plain; charset=utf-8"
        )
    if not name:
        raise Http404("This job has no audio.")
    size = media_size(name)
    if size is None:
        raise Http404("This job's audio is no longer stored.")
    etag = f'"{job.pk.hex}-{size}"'
    content_type = CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")

    byte_range: tuple[int, int] | None = None
    header = request.headers.get("Range")
    # If-Range: only honour the range when the client's copy is this very file.
    if header and request.headers.get("If-Range", etag) == etag:
        try:
            byte_range = parse_byte_range(header, size)
        except RangeNotSatisfiable:
            refusal = HttpResponse(status=416)
            refusal["Content-Range"] = f"bytes */{size}"
            refusal["Accept-Ranges"] = "bytes"
            return refusal

    first, last = byte_range if byte_range else (0, size - 1)
    length = max(0, last - first + 1)
    response = StreamingHttpResponse(
        media_read(name, first, length),
        status=206 if byte_range else 200,
        content_type=content_type,
    )
    if byte_range:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    # The audio belongs to one organization: browsers may keep it, shared caches may not.
    response["Cache-Control"] = "private, max-age=3600"
    return response
