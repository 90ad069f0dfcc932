"""Word times that stay true when a transcript is edited.

No models and no database: pure functions over the words a segment stores, and aligners
that read the job's audio. The API:

``realign_segment(audio_path, language, segment_start, segment_end, old_words, new_text)
-> list[TimedWord]``
    What a background task calls after an edit: the words of ``new_text``, kept words with
    their old times to the millisecond, changed stretches aligned against the audio, the
    rest spread. Ordered, non-overlapping, within the segment. Never raises for missing
    audio or an unknown language. Takes well under a second per changed stretch once the
    models are loaded (each process loads them once and keeps them).

``retime(old_words, new_text, *, segment_start=None, segment_end=None) -> Retimed``
    The diff alone, no audio: ``Retimed.words`` (every new word, changed ones spread) and
    ``Retimed.stretches`` (each changed run and the window it must fit in). Cheap enough to
    call in the request that saves the edit, so the transcript has plausible times at once.

``aligners_for(language) -> list[Aligner]``
    The aligners tried for a language, best first (see ``realign`` for the measurements).

``TimedWord``
    ``{"word", "start", "end", "confidence", "aligned"}``, as ``TranscriptSegment.words``
    holds them; ``aligned`` is False where times were spread rather than found.
"""

from __future__ import annotations

from jobs.alignment.base import Aligner
from jobs.alignment.realign import aligners_for, realign_segment
from jobs.alignment.retime import Retimed, Stretch, retime
from jobs.alignment.words import TimedWord

__all__ = [
    "Aligner",
    "Retimed",
    "Stretch",
    "TimedWord",
    "aligners_for",
    "realign_segment",
    "retime",
]
