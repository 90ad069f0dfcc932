"""Gumzo's job types on real engine output: Smart tidies, Summary summarizes."""

from __future__ import annotations

import pytest

from jobs.engines.base import Segment, Word
from jobs.models import JobType
from jobs.text import apply_job_type, summarize
from tests.audio_fixtures import SHARED_AUDIO, transcribe


def test_smart_drops_fillers_and_gives_sentence_case():
    words = (Word("um", 0, 0.2, 0.9), Word("we", 0.3, 0.4, 0.9), Word("agree", 0.5, 0.9, 0.9))
    segment = Segment(0.0, 1.0, "um we agree", 0.9, words)
    [smart] = apply_job_type([segment], JobType.SMART)
    assert smart.text == "We agree."
    assert [w.text for w in smart.words] == ["we", "agree"]
    assert apply_job_type([segment], JobType.VERBATIM) == [segment]


def test_summary_picks_sentences_in_spoken_order_and_frequent_topics():
    segments = [
        Segment(0, 1, "the budget for the bridge is late", 0.9),
        Segment(1, 2, "lunch was nice", 0.9),
        Segment(2, 3, "the bridge budget needs a new bridge plan", 0.9),
    ]
    summary, topics = summarize(segments, sentences=2, topics=2)
    assert summary == "the budget for the bridge is late the bridge budget needs a new bridge plan"
    assert topics == ["bridge", "budget"]


@pytest.mark.parametrize("name", ["librivox_ss01_0870.wav", "jfk.flac"])
def test_summary_of_real_speech_is_drawn_from_the_transcript(name):
    result, _ = transcribe(SHARED_AUDIO / name)
    summary, topics = summarize(result.segments)
    assert summary
    assert set(summary.split()) <= set(result.text.split())
    assert topics
    assert all(topic in result.text for topic in topics)


def test_nothing_to_summarize_gives_empty_results():
    assert summarize([]) == ("", [])
