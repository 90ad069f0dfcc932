"""Is a customer's transcript worth proofreading? (GoTranscript's
``transcription_proofreading``: "for low-quality AI transcriptions, we'll refund".)

An aligner places any words somewhere in any audio, so a transcript of another recording
aligns "perfectly". What the words say is checked instead: the recording's first
``CHECKED_SECONDS`` are transcribed by the embedded Whisper and compared, word by word,
with the transcript's words the aligner put there. A transcript that differs from it in
more than ``HARK_PROOFREADING_MAX_WORD_ERROR`` of its words is too poor to proofread: a
reviewer would be typing it afresh at the price of a correction, so the order is refunded
with a sentence saying so. Measured on the shared recordings: the reference transcripts
differ from Whisper's in 0.00 to 0.06 of their words, pocketsphinx's (an AI transcript of
poor quality) in 0.17 to 0.36, another recording's transcript in 0.91 to 1.22; hence 0.7.
A stretch in which Whisper hears fewer than ``MIN_WORDS`` words is not judged: on a few
words one "ten" written "10" is a third of them.

Without Whisper (not offered on this installation, or not in the order's language) the
transcript goes to the review desk unchecked, where a reviewer may refund it by hand.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from jobs.engines import enabled_engines, get_engine
from jobs.engines.base import ProviderError, TranscriptionRequest, TranscriptionResult
from lib.wer import normalize_words, word_error_rate

logger = logging.getLogger(__name__)

CHECKED_SECONDS = 600.0
MIN_WORDS = 20
_ENGINE = "whisper"


def too_poor(percent: int) -> str:
    return (
        f"The transcript differs from what is said in the recording in about {percent}% of "
        "its words (compared with Hark's own transcription of the first minutes): it is too "
        "poor to proofread. Check that it is the transcript of this recording, or order a "
        "transcription instead."
    )


def proofreading_check(audio_path: Path, aligned: TranscriptionResult, language: str) -> None:
    """Raise a permanent ``ProviderError`` (the order is refunded with its sentence) when
    the aligned transcript is too far from what Whisper hears in the same stretch."""
    whisper = next((info for info in enabled_engines() if info.name == _ENGINE), None)
    if whisper is None or language not in whisper.languages:
        logger.info("proofreading check skipped: no Whisper for %r", language)
        return
    end = min(aligned.duration, CHECKED_SECONDS)
    theirs = " ".join(
        word.text for segment in aligned.segments for word in segment.words if word.start < end
    )
    heard = get_engine(_ENGINE).transcribe(
        TranscriptionRequest(path=audio_path, language=language, end=end), lambda _: None
    )
    ours = " ".join(segment.text for segment in heard.segments)
    if len(normalize_words(ours)) < MIN_WORDS:
        logger.info("proofreading check skipped: too few words heard to judge")
        return
    error = word_error_rate(ours, theirs)
    logger.info("proofreading check: word error %.2f against Whisper", error)
    if error > settings.HARK_PROOFREADING_MAX_WORD_ERROR:
        raise ProviderError(too_poor(min(round(error * 100), 100)), permanent=True)
