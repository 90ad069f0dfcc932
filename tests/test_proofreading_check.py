"""A transcript sent for proofreading is judged by what it says, against what Whisper
hears in the same recording: poor but genuine AI transcripts pass, another recording's
transcript does not, and a few words are too few to judge."""

from __future__ import annotations

import pytest

from jobs.alignment.known_text import known_text_align
from jobs.alignment.proofreading import proofreading_check
from jobs.engines import get_engine
from jobs.engines.base import ProviderError, TranscriptionRequest
from tests.audio_fixtures import SHARED_AUDIO

CLIP = SHARED_AUDIO / "librivox_ss01_0870.wav"
ANOTHER_RECORDINGS = (SHARED_AUDIO / "jfk.txt").read_text()


def check(audio_name: str, text: str) -> None:
    audio = SHARED_AUDIO / audio_name
    proofreading_check(audio, known_text_align(audio, text, "en"), "en")


def pocketsphinx_transcript(audio_name: str) -> str:
    """A genuine AI transcript of poor quality (WER about 0.35 on this clip)."""
    request = TranscriptionRequest(path=SHARED_AUDIO / audio_name, language="en")
    return " ".join(
        s.text for s in get_engine("local").transcribe(request, lambda _: None).segments
    )


def test_the_recordings_own_transcript_is_worth_proofreading() -> None:
    check(CLIP.name, CLIP.with_suffix(".txt").read_text())


def test_a_poor_but_genuine_ai_transcript_is_still_worth_proofreading() -> None:
    check(CLIP.name, pocketsphinx_transcript(CLIP.name))


def test_another_recordings_transcript_is_too_poor_and_the_refusal_says_why() -> None:
    with pytest.raises(ProviderError) as refused:
        check(CLIP.name, ANOTHER_RECORDINGS)
    assert refused.value.permanent is True
    assert "too poor to proofread" in str(refused.value)


def test_the_limit_is_the_setting(settings) -> None:
    settings.HARK_PROOFREADING_MAX_WORD_ERROR = 0.01
    with pytest.raises(ProviderError):
        check(CLIP.name, pocketsphinx_transcript(CLIP.name))


def test_a_recording_of_a_few_words_is_not_judged() -> None:
    # "ten of clubs": one numeral written as a digit would be a third of it.
    check("cards_001.wav", ANOTHER_RECORDINGS)
