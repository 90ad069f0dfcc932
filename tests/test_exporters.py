from __future__ import annotations

import json
import re

import pytest

from jobs.engines.base import Segment, Word
from jobs.exporters import EXPORTERS, TranscriptDocument, get_exporter
from jobs.exporters.srt import segments_to_srt
from jobs.exporters.txt import segments_to_text
from jobs.exporters.vtt import segments_to_vtt
from tests.audio_fixtures import SHARED_AUDIO, transcribe

SRT_TIME = r"(\d{2,}):(\d{2}):(\d{2}),(\d{3})"
VTT_TIME = r"(\d{2,}):(\d{2}):(\d{2})\.(\d{3})"


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    assert int(m) < 60
    assert int(s) < 60
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_srt(text: str) -> list[tuple[int, float, float, str]]:
    """Strictly parse SubRip: number line, timing line, one or more text lines, blank line."""
    cues = []
    assert text.endswith("\n")
    for block in text.rstrip("\n").split("\n\n"):
        lines = block.split("\n")
        assert len(lines) >= 3, block
        timing = re.fullmatch(f"{SRT_TIME} --> {SRT_TIME}", lines[1])
        assert timing, lines[1]
        start = _seconds(*timing.groups()[:4])
        end = _seconds(*timing.groups()[4:])
        cues.append((int(lines[0]), start, end, "\n".join(lines[2:])))
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """Strictly parse the WebVTT this product writes: header, then timing + text cues."""
    header, *blocks = text.rstrip("\n").split("\n\n")
    assert header == "WEBVTT"
    cues = []
    for block in blocks:
        timing_line, *lines = block.split("\n")
        timing = re.fullmatch(f"{VTT_TIME} --> {VTT_TIME}", timing_line)
        assert timing, timing_line
        assert lines
        assert all(line and "-->" not in line for line in lines)
        cues.append(
            (_seconds(*timing.groups()[:4]), _seconds(*timing.groups()[4:]), "\n".join(lines))
        )
    return cues


@pytest.fixture
def jfk_segments() -> list[Segment]:
    return transcribe(SHARED_AUDIO / "jfk.flac")[0].segments


def test_srt_from_a_real_transcript_parses_back_with_numbering_and_timestamps(jfk_segments):
    cues = parse_srt(segments_to_srt(jfk_segments))

    assert [number for number, *_ in cues] == list(range(1, len(jfk_segments) + 1))
    for (_, start, end, text), segment in zip(cues, jfk_segments, strict=True):
        assert start == pytest.approx(segment.start, abs=0.0005)
        assert end == pytest.approx(segment.end, abs=0.0005)
        assert start <= end
        assert text == segment.text
    assert any("country" in text for *_, text in cues)


def test_vtt_from_a_real_transcript_parses_back_with_its_header_and_timestamps(jfk_segments):
    cues = parse_vtt(segments_to_vtt(jfk_segments))

    assert len(cues) == len(jfk_segments)
    for (start, end, text), segment in zip(cues, jfk_segments, strict=True):
        assert start == pytest.approx(segment.start, abs=0.0005)
        assert end == pytest.approx(segment.end, abs=0.0005)
        assert text == segment.text
    assert [start for start, *_ in cues] == sorted(start for start, *_ in cues)


def test_json_from_a_real_transcript_carries_segments_and_word_timings(jfk_segments):
    document = TranscriptDocument(
        title="jfk.flac", language="en", duration=11.0, segments=jfk_segments
    )

    payload = json.loads(EXPORTERS["json"].render(document))

    assert payload["language"] == "en"
    assert payload["duration"] == 11.0
    assert "country" in payload["text"]
    assert len(payload["segments"]) == len(jfk_segments)
    first = payload["segments"][0]
    assert set(first) == {"start", "end", "text", "speaker", "confidence", "words"}
    assert first["speaker"] is None
    assert first["words"][0] == {
        "text": jfk_segments[0].words[0].text,
        "start": jfk_segments[0].words[0].start,
        "end": jfk_segments[0].words[0].end,
        "confidence": jfk_segments[0].words[0].confidence,
    }
    for segment in payload["segments"]:
        assert segment["start"] <= segment["end"]
        assert all(word["start"] <= word["end"] for word in segment["words"])


EDGE_CASES = [
    Segment(start=0.0, end=0.0, text="zero length", confidence=0.5),
    Segment(start=5.0, end=4.9996, text="end rounds below start", confidence=0.5),
    Segment(start=7.0, end=6.0, text="end before start", confidence=0.5),
    Segment(start=8.0, end=9.0, text="   ", confidence=0.5),  # nothing to show
    Segment(start=3723.4567, end=3725.0004, text="past an hour", confidence=0.5, speaker="Alice"),
    Segment(start=360000.0, end=360001.5, text="a hundred hours in", confidence=0.5),
    Segment(start=10.0, end=11.0, text="two\n\nparagraphs <b> & co", confidence=0.5, speaker="Bob"),
]


def test_srt_edge_cases_never_end_before_they_start_and_keep_numbering_contiguous():
    cues = parse_srt(segments_to_srt(EDGE_CASES))

    assert [number for number, *_ in cues] == [1, 2, 3, 4, 5, 6]
    assert [(start, end) for _, start, end, _ in cues] == [
        (0.0, 0.0),
        (5.0, 5.0),
        (7.0, 7.0),
        (3723.457, 3725.0),
        (360000.0, 360001.5),
        (10.0, 11.0),
    ]
    assert cues[3][3] == "Alice: past an hour"
    assert cues[5][3] == "Bob: two paragraphs <b> & co"
    assert "01:02:03,457 --> 01:02:05,000" in segments_to_srt(EDGE_CASES)
    assert "100:00:00,000 --> 100:00:01,500" in segments_to_srt(EDGE_CASES)


def test_vtt_edge_cases_use_voice_tags_escape_markup_and_dots_for_milliseconds():
    text = segments_to_vtt(EDGE_CASES)
    cues = parse_vtt(text)

    assert all(start <= end for start, end, _ in cues)
    assert cues[3] == (3723.457, 3725.0, "<v Alice>past an hour")
    assert cues[5] == (10.0, 11.0, "<v Bob>two paragraphs &lt;b&gt; &amp; co")
    assert "01:02:03.457 --> 01:02:05.000" in text


def test_json_edge_cases_clamp_ends_and_keep_speakers():
    words = (Word(text="hi", start=2.0, end=1.5, confidence=1.2),)
    segments = [*EDGE_CASES, Segment(start=1.0, end=2.0, text="hi", confidence=0.9, words=words)]
    document = TranscriptDocument(title="t", language="en", duration=3725.0, segments=segments)

    payload = json.loads(EXPORTERS["json"].render(document))

    assert all(s["start"] <= s["end"] for s in payload["segments"])
    assert payload["segments"][4]["speaker"] == "Alice"
    assert payload["segments"][4]["start"] == 3723.457
    assert payload["segments"][-1]["words"] == [
        {"text": "hi", "start": 2.0, "end": 2.0, "confidence": 1.2}
    ]


def test_plain_text_puts_each_speaker_turn_in_its_own_paragraph():
    segments = [
        Segment(start=0, end=1, text="Hello there.", confidence=1, speaker="Alice"),
        Segment(start=1, end=2, text="How are you?", confidence=1, speaker="Alice"),
        Segment(start=2, end=3, text="Fine.", confidence=1, speaker="Bob"),
    ]

    assert segments_to_text(segments) == "Alice: Hello there. How are you?\n\nBob: Fine.\n"
    assert segments_to_text(segments[:2]) == "Alice: Hello there. How are you?\n"


def test_plain_text_without_speakers_is_one_line_per_segment(jfk_segments):
    text = segments_to_text(jfk_segments)

    assert text.splitlines() == [segment.text for segment in jfk_segments]
    assert segments_to_text([]) == ""


@pytest.mark.parametrize(
    ("name", "extension", "content_type"),
    [
        ("txt", "txt", "text/plain; charset=utf-8"),
        ("srt", "srt", "application/x-subrip; charset=utf-8"),
        ("vtt", "vtt", "text/vtt; charset=utf-8"),
        ("json", "json", "application/json"),
    ],
)
def test_each_format_is_registered_with_its_extension_and_content_type(
    name, extension, content_type, jfk_segments
):
    exporter = get_exporter(name)
    document = TranscriptDocument(title="x", language="en", duration=11.0, segments=jfk_segments)

    assert exporter is not None
    assert (exporter.name, exporter.extension, exporter.content_type) == (
        name,
        extension,
        content_type,
    )
    assert "country" in exporter.render(document)


def test_an_unknown_format_has_no_exporter():
    assert get_exporter("docx") is None
    assert list(EXPORTERS) == ["txt", "srt", "vtt", "json"]
