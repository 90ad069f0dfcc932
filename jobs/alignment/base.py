"""What an aligner is, and the audio it reads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from jobs.alignment.words import TimedWord
from jobs.media.decode import pcm_stream
from jobs.media.probe import UnsupportedMedia


class Aligner(Protocol):
    """Finds where known words were spoken in a stretch of audio (forced alignment)."""

    name: str

    def align(
        self, audio_path: Path, start: float, end: float, words: Sequence[str], language: str
    ) -> list[TimedWord] | None:
        """One timed word per word of ``words``, in order, with times in seconds from the
        start of the recording and within [start, end]. Words it found are ``aligned``;
        words it cannot place (not in its dictionary) are spread between their found
        neighbours and are not. None when it cannot align the stretch at all: a language
        it does not know, unreadable audio, or text the audio will not fit."""
        ...


def audio_window(audio_path: Path, start: float, end: float) -> bytes | None:
    """[start, end) of the recording as 16 kHz mono s16le; None when it cannot be read."""
    try:
        return b"".join(pcm_stream(audio_path, start=start, end=end))
    except UnsupportedMedia:
        return None
