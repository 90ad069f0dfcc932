"""The sweeper's part for long jobs cut into chunks (``jobs.services.chunks``)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from jobs.lifecycle.chunk import chunks_requeue_stalled, chunks_retry_overdue
from jobs.models import (
    FINISHED_STATUSES,
    ChunkStatus,
    JobStatus,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.services.chunks import chunk_files_delete, chunks_finish


def chunks_recover(*, now: datetime | None = None) -> int:
    """The sweeper's part for chunked jobs; returns how many jobs it touched.

    A chunk whose lease ran out means its worker was lost: the job goes back to the queue
    (or fails, out of attempts), and its next attempt re-queues the unfinished chunks. A
    job whose chunks are all done but that was never stitched (the last worker died in
    between) is stitched here. A chunk whose retry is overdue is queued again. Chunk
    files of finished jobs are deleted.
    """
    now = now or timezone.now()
    touched = chunks_requeue_stalled(now) + chunks_retry_overdue(now)
    unstitched = TranscriptionJob.objects.filter(
        status=JobStatus.PROCESSING, lease_expires_at__isnull=True, chunks_total__gt=0
    ).exclude(chunks__status__in=(ChunkStatus.QUEUED, ChunkStatus.PROCESSING))
    for job in unstitched:
        touched += chunks_finish(str(job.pk), job.attempts)
    leftovers = TranscriptionChunk.objects.filter(job__status__in=FINISHED_STATUSES).exclude(
        media=""
    )
    names = list(leftovers.values_list("media", flat=True))
    if names:
        leftovers.update(media="")
        chunk_files_delete(names)
    return touched
