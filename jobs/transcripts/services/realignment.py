"""Placing typed-in words against the audio, after the edit that typed them.

An edit stores its words at once, the new ones spread over their stretch and marked
``aligned: False``; this runs in the background and replaces those times with what an
aligner finds in the audio (``jobs.alignment``: pocketsphinx for English, Whisper's
aligner for the rest). It changes word times only, not the text, the version or the
revision log, and writes nothing if the segment was edited again meanwhile (that edit
queued its own run).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from jobs.alignment import TimedWord, realign_segment
from jobs.media.storage import local_media
from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.models import Transcript

logger = logging.getLogger(__name__)


def segments_realign(segment_ids: Sequence[int]) -> int:
    """Align the unaligned words of these segments; returns how many segments changed."""
    changed = 0
    rows = SegmentRow.objects.filter(pk__in=segment_ids).select_related("transcript__job")
    for row in rows:
        if all(word.get("aligned", True) for word in row.words):
            continue
        job = row.transcript.job
        if not job.media:
            continue
        language = row.language or row.transcript.language or job.language
        start, end = _room(row)
        # The words an aligner placed before are the "old" text; every unaligned word is
        # then a stretch to find between them.
        kept = cast(list[TimedWord], [w for w in row.words if w.get("aligned", True)])
        try:
            with local_media(job.media.name or "") as path:
                words = realign_segment(path, language, start, end, kept, row.text)
        except (FileNotFoundError, OSError):
            logger.info("realignment skipped: the media of job %s is gone", job.pk)
            continue
        if [dict(w) for w in words] == row.words:
            continue
        changed += _store(row, [dict(w) for w in words])
    return changed


def _room(row: SegmentRow) -> tuple[float, float]:
    """Where the segment's words may be: out to its neighbours, because a word typed
    before the first word of a segment often has no room inside it (engines start a
    segment at its first word)."""
    siblings = SegmentRow.objects.filter(transcript_id=row.transcript_id)
    before = siblings.filter(position__lt=row.position).order_by("-position").first()
    after = siblings.filter(position__gt=row.position).order_by("position").first()
    start = min(row.start, max(before.end if before else 0.0, row.start - 2.0))
    end = max(row.end, min(after.start if after else row.end + 2.0, row.end + 2.0))
    return start, end


def _store(row: SegmentRow, words: list[dict[str, Any]]) -> int:
    with transaction.atomic():
        fresh = SegmentRow.objects.select_for_update().filter(pk=row.pk).first()
        # Only if nobody edited the segment while the audio was being read.
        if fresh is None or (fresh.text, fresh.words) != (row.text, row.words):
            return 0
        fresh.words = words
        if words:
            fresh.start = min(fresh.start, float(words[0]["start"]))
            fresh.end = max(fresh.end, float(words[-1]["end"]))
        fresh.save(update_fields=["words", "start", "end"])
        # Times changed without a new version: readers that keep a transcript by its
        # version and update time (status polls) must see a new one.
        Transcript.objects.filter(pk=fresh.transcript_id).update(updated_at=timezone.now())
        return 1
