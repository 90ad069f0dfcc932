"""Running a translation job: translate the source transcript segment by segment, store
the result as a transcript of its own, charge for it; on failure release the hold.

Text translators get the source's segments and give one translation each, so the
translation keeps every segment's times, speaker and id. Whisper instead hears the
audio again in ``translate`` mode: its segments carry the audio's real times.

The translators of the job's route are called through ``jobs.routing.route_call``, as a
transcription's speech providers are: a translator that fails transiently (an upstream's
5xx or timeout, or an answer that does not fit the segments) hands over to the next, one
whose circuit is open is skipped, a permanent failure fails the translation at once.
When every translator failed transiently, the translation goes back to the queue with a
``retry_at`` on the transcription jobs' schedule, until it runs out of attempts. Every
change of state is a transition of ``jobs.lifecycle.translation``; this module only
translates.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from jobs.alignment.words import words_spread
from jobs.engines.base import ProviderError, Segment, TranscriptionRequest
from jobs.lifecycle.translation import translation_claim, translation_complete, translation_settle
from jobs.media.storage import local_media
from jobs.models import AttemptOutcome
from jobs.routing import AttemptRecord, route_call
from jobs.transcripts.models import (
    POSITION_GAP,
    Speaker,
    Transcript,
    TranscriptKind,
)
from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.selectors import TranscriptView, transcript_current, transcript_read
from jobs.transcripts.services.storing import word_json
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import translation_quote
from jobs.translation.services.translators import TEXT, WHISPER, texts_translate

logger = logging.getLogger(__name__)


def translation_run(translation_id: str) -> None:
    translation = translation_claim(translation_id)
    if translation is None:
        return
    attempts: list[AttemptRecord] = []
    try:
        view = transcript_read(translation.source_job)
        if view is None:
            raise ProviderError("The source transcript is gone.", permanent=True)
        name, segments = route_call(
            TEXT,
            translation.route,
            lambda name, _position: (name, _translated(translation, view, name)),
            record=attempts.append,
        )
    except Exception as exc:
        for attempt in attempts:
            logger.info("translation %s: %s %s %s", translation.pk, attempt.provider,
                        attempt.outcome, attempt.message)  # fmt: skip
        translation_settle(translation, exc, tried=_tried(attempts))
        return
    _complete(translation, view, name, segments, _tried(attempts))


def _tried(attempts: list[AttemptRecord]) -> list[str]:
    """The translators called, in order (skipped ones were not)."""
    return [a.provider for a in attempts if a.outcome != AttemptOutcome.SKIPPED]


def _translated(translation: TranslationJob, view: TranscriptView, name: str) -> list[Segment]:
    if name == WHISPER:
        return _heard_in_english(translation)
    texts = texts_translate(
        name, [s.text for s in view.segments], translation.from_language, translation.to_language
    )
    if len(texts) != len(view.segments):
        raise ProviderError(f"{name} returned {len(texts)} texts for {len(view.segments)}.")
    pairs = zip(view.segments, texts, strict=True)
    lost = sum(1 for source, text in pairs if source.text.strip() and not text.strip())
    if lost:
        # Text in, nothing out: a bad answer, which another translator may not give.
        raise ProviderError(f"{name} returned no translation for {lost} of the segments.")
    return [
        replace(
            source,
            text=" ".join(text.split()),
            language=translation.to_language,
            words=(),
            confidence=0.0,
        )
        for source, text in zip(view.segments, texts, strict=True)
    ]


def _heard_in_english(translation: TranslationJob) -> list[Segment]:
    from jobs.engines.whisper import WhisperEngine

    job = translation.source_job
    with local_media(job.media.name or "") as path:
        request = TranscriptionRequest(
            path=path,
            language=translation.from_language,
            start=job.trim_start,
            end=job.trim_end,
            task="translate",
        )
        result = WhisperEngine().transcribe(request, lambda _: None)
    return [replace(s, language="en") for s in result.segments]


def _complete(
    translation: TranslationJob,
    view: TranscriptView,
    name: str,
    segments: list[Segment],
    tried: list[str],
) -> bool:
    # What the translator that served it costs, never more than was quoted and held.
    cost = min(translation_quote(translation.words, name), translation.estimated_credits)

    def store() -> None:
        _store(translation, transcript_current(translation.source_job), view, segments)

    return translation_complete(
        translation,
        cost=cost,
        description=f"Translation of {_title(translation)} into {translation.to_language} "
        f"({translation.words} words)",
        product=f"translation:{name}",
        tried=tried,
        store=store,
    )


def _store(
    translation: TranslationJob,
    source: Transcript | None,
    view: TranscriptView,
    segments: list[Segment],
) -> None:
    Transcript.objects.filter(translation=translation).delete()
    transcript = Transcript.objects.create(
        job=translation.source_job,
        kind=TranscriptKind.TRANSLATED,
        source=source,
        language=translation.to_language,
        translation=translation,
    )
    speakers = {
        s.id: Speaker.objects.create(
            transcript=transcript, key=s.id, label=s.label, name=s.name, color=s.color,
            position=position,
        )
        for position, s in enumerate(view.speakers)
    }  # fmt: skip
    rows = []
    for index, segment in enumerate(segments):
        spoken_by = view.speaker_of.get(segment.key or "")
        words = segment.words and [word_json(w) for w in segment.words]
        rows.append(
            SegmentRow(
                transcript=transcript,
                position=(index + 1) * POSITION_GAP,
                start=round(segment.start, 3),
                end=round(segment.end, 3),
                speaker=speakers.get(spoken_by.id) if spoken_by else None,
                language=translation.to_language,
                text=segment.text,
                # Translated words were never spoken as such: spread over the segment
                # (unaligned), so captions can be cut from them.
                words=words
                or [
                    dict(w) for w in words_spread(segment.text.split(), segment.start, segment.end)
                ],
                confidence=round(segment.confidence, 4),
                **({"key": segment.key} if segment.key else {}),
            )
        )
    SegmentRow.objects.bulk_create(rows)


def _title(translation: TranslationJob) -> str:
    job = translation.source_job
    return job.original_filename or str(job.pk)
