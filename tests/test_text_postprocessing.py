"""Gumzo's job types on real engine output: Smart tidies, Summary summarizes."""

from __future__ import annotations

import re

import pytest
import yake
from sumy.nlp.tokenizers import Tokenizer
from sumy.utils import get_stop_words

from jobs.engines.base import Segment, Word
from jobs.models import JobType
from jobs.text import apply_job_type, summarize
from jobs.text.fillers import FILLERS
from jobs.text.language import lexicon
from jobs.text.sentences import split_sentences
from jobs.text.summary import apportion
from tests.audio_fixtures import SHARED_AUDIO, transcribe
from tests.support.whisper_transcripts import (
    JFK,
    MEETING,
    MULTILINGUAL_DE,
    MULTILINGUAL_EN,
    whisper_segment,
    whisper_segments,
)

ENGLISH = whisper_segments(MULTILINGUAL_EN, "en")
GERMAN = whisper_segments(MULTILINGUAL_DE, "de")
MULTILINGUAL = ENGLISH + GERMAN


def text_of(segments: list[Segment]) -> str:
    return " ".join(segment.text for segment in segments)


def stop_words(language: str) -> set[str]:
    """The language's stop words as the libraries ship them (sumy's and YAKE's)."""
    names = {"en": "english", "de": "german"}
    yake_words = yake.KeywordExtractor(lan=language).stopword_set
    return {w.casefold() for w in get_stop_words(names[language]) | yake_words if w}


def sentences_of(summary: str) -> list[str]:
    # Good enough for these fixtures, which have no abbreviations.
    return re.split(r"(?<=[.?!])\s+(?=[A-ZÄÖÜ])", summary) if summary else []


def assert_whole_sentences_in_order(summary: str, transcript: str) -> None:
    positions = []
    for sentence in sentences_of(summary):
        at = transcript.find(sentence)
        assert at >= 0, f"not in the transcript: {sentence!r}"
        assert at == 0 or transcript[at - 2] in ".?!", f"starts mid-sentence: {sentence!r}"
        assert sentence[-1] in ".?!", f"ends mid-sentence: {sentence!r}"
        positions.append(at)
    assert positions == sorted(positions)


def assert_meaningful(topics: list[str], transcript: str, languages: tuple[str, ...]) -> None:
    assert topics
    assert len(topics) <= 5
    assert len({t.casefold() for t in topics}) == len(topics)
    excluded = set().union(*(stop_words(code) for code in languages))
    fillers = set().union(*FILLERS.values())
    for topic in topics:
        words = topic.split()
        assert 1 <= len(words) <= 2
        assert topic.casefold() in transcript.casefold()
        assert any(c.isalpha() for c in topic), f"a number: {topic!r}"
        for word in words:
            assert word.casefold() not in excluded, f"stop word in {topic!r}"
            assert word.casefold() not in fillers, f"filler in {topic!r}"


# --- Smart and Verbatim ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("heard", "language", "smart"),
    [
        # Whisper only writes fillers now and then; these are its real meeting sentences
        # (tests/support) with fillers set in the way it writes them.
        ("Um, so, what do we need to talk about?", "en", "So, what do we need to talk about?"),
        ("Should we just, uh, go around and everyone says?", "en",
         "Should we just go around and everyone says?"),
        ("Well, I'm sorry, um. Sounds like you've done something.", "en",
         "Well, I'm sorry. Sounds like you've done something."),
        ("No, um, it's not, hmm...", "en", "No, it's not..."),
        ("Ähm, um neun Uhr ist er da.", "de", "Um neun Uhr ist er da."),
        ("Dies umfasst, äh, insbesondere das Recht.", "de", "Dies umfasst insbesondere das Recht."),
        ("Eh, vamos a empezar, ¿eh?", "es", "Vamos a empezar."),
        ("Euh, on y va, euh ?", "fr", "On y va ?"),
    ],
)  # fmt: skip
def test_smart_drops_fillers_from_text_and_words_and_keeps_whisper_punctuation(
    heard, language, smart
):
    segment = whisper_segment(3.0, 6.0, heard, language)
    [cleaned] = apply_job_type([segment], JobType.SMART)
    assert cleaned.text == smart
    assert " ".join(w.text for w in cleaned.words) == smart
    kept_times = {(w.start, w.end) for w in cleaned.words}
    assert kept_times <= {(w.start, w.end) for w in segment.words}
    assert (cleaned.start, cleaned.end, cleaned.language) == (3.0, 6.0, language)


def test_smart_keeps_words_that_are_fillers_only_in_another_language():
    german = whisper_segment(0.0, 2.0, "Er kommt um neun, äh, oder um zehn.", "de")
    english = whisper_segment(2.0, 4.0, "Er, we come at nine, um, or at ten.", "en")
    cleaned = apply_job_type([german, english], JobType.SMART)
    assert [s.text for s in cleaned] == [
        "Er kommt um neun oder um zehn.",
        "We come at nine or at ten.",
    ]


def test_smart_drops_segments_that_were_only_fillers_and_keeps_the_order():
    segments = [
        whisper_segment(0.0, 1.0, "Um.", "en"),
        whisper_segment(1.0, 3.0, "So, what do we need to talk about?", "en"),
        whisper_segment(3.0, 4.0, "Hmm, uh...", "en"),
        whisper_segment(4.0, 6.0, "Should we just go around?", "en"),
        whisper_segment(6.0, 7.0, "Ähm", "de"),
    ]
    cleaned = apply_job_type(segments, JobType.SMART)
    assert [s.text for s in cleaned] == [
        "So, what do we need to talk about?",
        "Should we just go around?",
    ]
    assert all(s.text and s.words for s in cleaned)


def test_smart_leaves_whisper_text_without_fillers_as_it_was():
    # Segments end mid-sentence and start in lower case ("and associated ..."): Smart
    # must neither capitalise them nor end them with a full stop.
    assert apply_job_type(MULTILINGUAL, JobType.SMART) == MULTILINGUAL


def test_smart_gives_sentence_case_to_engines_that_write_no_punctuation():
    words = (Word("um", 0, 0.2, 0.9), Word("we", 0.3, 0.4, 0.9), Word("agree", 0.5, 0.9, 0.9))
    segment = Segment(0.0, 1.0, "um we agree", 0.9, words)
    [smart] = apply_job_type([segment], JobType.SMART, language="en")
    assert smart.text == "We agree."
    assert [w.text for w in smart.words] == ["we", "agree"]


def test_smart_without_a_language_drops_only_sounds_that_are_no_word_anywhere():
    # "um" is German for "at" and "er" for "he": unless the language is known, they stay.
    segment = whisper_segment(0.0, 2.0, "Er kommt, äh, um neun, hmm.", None)
    [smart] = apply_job_type([segment], JobType.SMART)
    assert smart.text == "Er kommt um neun."


def test_verbatim_returns_every_segment_unchanged():
    segments = [
        whisper_segment(0.0, 1.0, "Um.", "en"),
        whisper_segment(1.0, 3.0, "Um, so, what do we need to talk about?", "en"),
    ]
    assert apply_job_type(segments, JobType.VERBATIM) == segments


# --- Summary ----------------------------------------------------------------------------


def test_summary_of_a_mixed_language_recording_is_short_and_drawn_from_both_languages():
    transcript = text_of(MULTILINGUAL)
    summary, _ = summarize(MULTILINGUAL, language="en")
    assert 0 < len(summary) < len(transcript) / 2
    assert_whole_sentences_in_order(summary, transcript)
    # Five sentences: two for the summary, shared by how much each language was spoken.
    picked = sentences_of(summary)
    assert len(picked) == 2
    assert sum(s in text_of(ENGLISH) for s in picked) == 1
    assert sum(s in text_of(GERMAN) for s in picked) == 1


def test_topics_of_a_mixed_language_recording_are_content_words_of_both_languages():
    transcript = text_of(MULTILINGUAL)
    _, topics = summarize(MULTILINGUAL)
    assert_meaningful(topics, transcript, ("en", "de"))
    assert "get" not in {t.casefold() for t in topics}
    assert any(t.casefold() in text_of(ENGLISH).casefold() for t in topics)
    assert any(t.casefold() in text_of(GERMAN).casefold() for t in topics)


def test_german_topics_are_judged_against_german_stop_words():
    german_only = text_of(GERMAN)
    _, topics = summarize(GERMAN)
    assert_meaningful(topics, german_only, ("de",))
    assert not {"und", "der", "die", "das", "zu"} & {
        w.casefold() for t in topics for w in t.split()
    }
    # The same text taken for English lets a German article through: the language is
    # what keeps it out.
    _, as_if_english = summarize(whisper_segments(MULTILINGUAL_DE, "en"))
    assert stop_words("de") & {w.casefold() for t in as_if_english for w in t.split()}


def test_summary_of_a_conversation_skips_sentences_that_say_nothing():
    meeting = whisper_segments(MEETING, "en")
    transcript = text_of(meeting)
    summary, topics = summarize(meeting, sentences=3)
    picked = sentences_of(summary)
    assert 1 <= len(picked) <= 3
    assert_whole_sentences_in_order(summary, transcript)
    for sentence in picked:
        content = [
            w for w in re.findall(r"[\w']+", sentence) if w.casefold() not in stop_words("en")
        ]
        assert len(content) >= 2, sentence
    assert_meaningful(topics, transcript, ("en",))
    assert not {"yeah", "okay"} & {t.casefold() for t in topics}


def test_a_one_sentence_transcript_has_no_summary_but_has_topics():
    jfk = whisper_segments(JFK, "en")
    summary, topics = summarize(jfk)
    assert summary == ""
    assert_meaningful(topics, text_of(jfk), ("en",))


def test_a_short_transcript_gets_a_one_sentence_summary():
    segments = whisper_segments(MEETING[1:2], "en")  # four sentences
    summary, _ = summarize(segments)
    assert len(sentences_of(summary)) == 1
    assert_whole_sentences_in_order(summary, text_of(segments))


def test_segments_without_a_language_take_the_one_given():
    unlabelled = whisper_segments(MULTILINGUAL_DE, None)
    assert summarize(unlabelled, language="de") == summarize(GERMAN)


def test_summary_of_unpunctuated_engine_output_is_made_of_whole_segments():
    result, _ = transcribe(SHARED_AUDIO / "jfk.flac")  # PocketSphinx: no punctuation
    assert len(result.segments) >= 2
    summary, topics = summarize(result.segments, language=result.language)
    assert summary in {segment.text for segment in result.segments}
    assert len(summary) < len(result.text)
    assert_meaningful(topics, result.text, ("en",))


def test_nothing_to_summarize_gives_empty_results():
    assert summarize([]) == ("", [])
    assert summarize([Segment(0.0, 1.0, "  ", 0.5, language="en")]) == ("", [])


def test_summaries_need_no_nltk_data(monkeypatch, tmp_path):
    def no_download(*args, **kwargs):
        raise AssertionError("tried to download NLTK data")

    monkeypatch.setattr("nltk.data.path", [str(tmp_path)])
    monkeypatch.setattr("nltk.download", no_download)
    # sumy's own tokenizer needs punkt, so it cannot be built here; ours must not need it.
    with pytest.raises(LookupError):
        Tokenizer("english")
    lexicon.cache_clear()
    try:
        summary, topics = summarize(MULTILINGUAL)
    finally:
        lexicon.cache_clear()
    assert summary
    assert topics


# --- The pieces ---------------------------------------------------------------------------


def test_sentences_do_not_end_at_abbreviations_or_german_ordinals():
    assert split_sentences("Dr. Smith came at 9. He left. Then? Gone!", "en") == [
        "Dr. Smith came at 9.",
        "He left.",
        "Then?",
        "Gone!",
    ]
    assert split_sentences("Am 3. Mai kam z. B. Herr Dr. Müller. Dann ging er.", "de") == [
        "Am 3. Mai kam z. B. Herr Dr. Müller.",
        "Dann ging er.",
    ]


@pytest.mark.parametrize(
    ("total", "weights"), [(2, [3, 2]), (1, [3, 2]), (3, [1, 1, 1]), (5, [7, 2, 1]), (0, [4])]
)
def test_shares_add_up_and_follow_the_weights(total, weights):
    shares = apportion(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        exact = total * weight / sum(weights)
        assert int(exact) <= share <= int(exact) + 1


def test_languages_written_without_spaces_get_sentences_but_no_topics():
    # YAKE cannot find words in Japanese; a "topic" would be a whole clause.
    said = "今日は良い天気です。明日は雨が降るでしょう。週末は晴れます。"
    summary, topics = summarize([Segment(0.0, 6.0, said, 0.9, language="ja")])
    assert summary
    assert summary in said
    assert len(summary) < len(said)
    assert topics == []
