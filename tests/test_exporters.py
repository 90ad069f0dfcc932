"""Transcript exports: captions cut by line rules from real Whisper word timings, reading
formats with timecodes (text, Word, PDF, web page), and the registry."""

from __future__ import annotations

import io
import itertools
import json
import re
from dataclasses import replace
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from jobs.engines.base import Segment, Word
from jobs.exporters import EXPORTERS, TranscriptDocument, get_exporter
from jobs.exporters.captions import Cue, build_cues
from jobs.exporters.options import CaptionRules, ExportOptions
from jobs.exporters.srt import segments_to_srt, speaker_label
from jobs.exporters.txt import segments_to_text
from jobs.exporters.vtt import segments_to_vtt
from tests.audio_fixtures import SHARED_AUDIO, whisper_transcribe
from tests.support.whisper_transcripts import MEETING, whisper_segments

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
        assert all(line and "-->" not in line and "<" not in line for line in lines[2:])
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


# Real Whisper base output for short shared recordings: read speech, a speech with long
# pauses, two voices, and a meeting of three.
RECORDINGS = [
    ("jfk.flac", False),
    ("librivox_ss01_0870.wav", False),
    ("stereo_diarization.wav", True),
    ("ami_debug_tst00.wav", True),
]


def real_segments(name: str, diarization: bool) -> list[Segment]:
    return list(whisper_transcribe(SHARED_AUDIO / name, diarization=diarization).segments)


@pytest.fixture
def jfk_segments() -> list[Segment]:
    return real_segments("jfk.flac", False)


@pytest.fixture
def meeting_segments() -> list[Segment]:
    return real_segments("ami_debug_tst00.wav", True)


def document(segments: list[Segment], title: str = "interview.wav") -> TranscriptDocument:
    end = max((s.end for s in segments), default=0.0)
    return TranscriptDocument(title=title, language="en", duration=end, segments=segments)


def assert_cues_keep_the_rules(cues: list[Cue], rules: CaptionRules, label=None) -> None:
    for index, cue in enumerate(cues):
        prefix = label(cue.speaker) if label and cue.speaker else ""
        lines = [prefix + cue.lines[0], *cue.lines[1:]]
        assert 1 <= len(lines) <= rules.max_lines, cue
        for line in lines:
            # Only a word longer than a line may overrun it, and then it is alone there.
            assert len(line) <= rules.max_line_chars or len(line.removeprefix(prefix).split()) == 1
        assert 0 <= cue.end_ms - cue.start_ms <= rules.max_cue_seconds * 1000, cue
        previous_end = cues[index - 1].end_ms if index else 0
        following = cues[index + 1].start_ms if index + 1 < len(cues) else None
        assert cue.start_ms >= previous_end, "cues never overlap"
        needed = max(rules.min_cue_seconds, len(prefix + cue.text) / rules.max_chars_per_second)
        if cue.end_ms - cue.start_ms < round(needed * 1000):
            # Short of its minimum or too fast to read only where its neighbours leave it
            # no more time: it starts where the one before ends and ends where the next
            # starts (or at the longest a cue may be).
            assert cue.start_ms == previous_end or cue.start_ms == 0, cue
            assert cue.end_ms == following or (
                cue.end_ms - cue.start_ms == rules.max_cue_seconds * 1000
            ), cue


@pytest.mark.parametrize(("name", "diarization"), RECORDINGS)
@pytest.mark.parametrize(
    "rules",
    [
        CaptionRules(),
        CaptionRules(max_line_chars=20, max_lines=1, max_cue_seconds=3),
        CaptionRules(max_line_chars=60, max_lines=3, max_chars_per_second=12, min_cue_seconds=2),
    ],
    ids=["default", "tight", "roomy"],
)
def test_captions_of_real_transcripts_never_break_a_line_rule(name, diarization, rules):
    segments = real_segments(name, diarization)

    for label in (None, speaker_label):
        cues = build_cues(segments, rules, label=label)
        assert_cues_keep_the_rules(cues, rules, label)
        # Every word, in order, none split or lost.
        assert " ".join(c.text for c in cues).split() == " ".join(s.text for s in segments).split()


LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwe"  # 48 characters


def awkward(segments: list[Segment]) -> list[Segment]:
    """A real transcript with awkward text typed into it: a word longer than any line,
    markup, an arrow and an ampersand, and a speaker change in the middle of a sentence."""
    first, *rest = segments
    words = first.text.split()
    half = len(words) // 2
    texts = [
        " ".join(words[:half]) + " " + LONG_WORD,
        "<b>a --> b</b> & " + " ".join(words[half:]),
    ]
    middle = first.start + (first.end - first.start) / 2
    return [
        Segment(first.start, middle, texts[0], 0.9, speaker="Ann"),
        Segment(middle, first.end, texts[1], 0.9, speaker="Raj <i>"),
        *rest,
    ]


@pytest.mark.parametrize(("name", "diarization"), RECORDINGS)
def test_captions_of_real_transcripts_with_awkward_text_keep_the_rules_and_parse(name, diarization):
    segments = awkward(real_segments(name, diarization))
    rules = CaptionRules()

    assert_cues_keep_the_rules(
        build_cues(segments, rules, label=speaker_label), rules, speaker_label
    )
    srt = parse_srt(segments_to_srt(segments))
    vtt = parse_vtt(segments_to_vtt(segments))

    lines = [line for *_, text in srt for line in text.split("\n")]
    assert LONG_WORD in lines or f"Ann: {LONG_WORD}" in lines
    assert any(
        "Raj \u2039i\u203a: \u2039b\u203aa --\u203a b\u2039/b\u203a &" in text for *_, text in srt
    )
    assert any("<v Raj &lt;i&gt;>&lt;b&gt;a --&gt; b&lt;/b&gt; &amp;" in text for *_, text in vtt)


def test_srt_from_a_real_transcript_parses_back_numbered_in_order_without_overlaps(jfk_segments):
    cues = parse_srt(segments_to_srt(jfk_segments))

    assert [number for number, *_ in cues] == list(range(1, len(cues) + 1))
    assert len(cues) > len(jfk_segments)  # an 11 s sentence does not fit one cue
    assert cues[0][1] == pytest.approx(jfk_segments[0].words[0].start, abs=0.0005)
    for (_, start, end, _), (_, next_start, _, _) in itertools.pairwise(cues):
        assert start <= end <= next_start
    assert "country" in cues[-1][3]
    assert all(len(line) <= 42 for *_, text in cues for line in text.split("\n"))


def test_vtt_from_a_real_transcript_parses_back_with_its_header_and_voices(meeting_segments):
    cues = parse_vtt(segments_to_vtt(meeting_segments))

    assert [start for start, *_ in cues] == sorted(start for start, *_ in cues)
    speakers = {s.speaker for s in meeting_segments}
    assert len(speakers) > 1
    voiced = [text for *_, text in cues if text.startswith("<v ")]
    assert len(voiced) == len(cues)
    assert {text[3:].split(">", 1)[0] for text in voiced} == speakers


def test_a_speaker_change_mid_sentence_always_starts_a_new_cue():
    words = ["so", "what", "do", "we", "need", "to", "talk", "about"]
    segments = [
        Segment(0.0, 1.5, " ".join(words[:3]), 0.9, speaker="Ann"),
        Segment(1.5, 3.0, " ".join(words[3:]), 0.9, speaker="Bo"),
    ]

    srt = parse_srt(segments_to_srt(segments))
    vtt = parse_vtt(segments_to_vtt(segments))

    assert [text for *_, text in srt] == ["Ann: so what do", "Bo: we need to talk about"]
    assert [text for *_, text in vtt] == ["<v Ann>so what do", "<v Bo>we need to talk about"]
    assert srt[0][2] <= srt[1][1]


def test_a_word_longer_than_a_line_gets_a_line_of_its_own_and_is_never_split():
    long_word = LONG_WORD
    segment = Segment(0.0, 4.0, f"Sie ist die {long_word} aus Wien.", 0.9)

    cues = build_cues([segment], CaptionRules())
    one_line = build_cues([segment], CaptionRules(max_lines=1))

    assert [cue.lines for cue in cues] == [("Sie ist die", long_word), ("aus Wien.",)]
    assert [cue.lines for cue in one_line] == [("Sie ist die",), (long_word,), ("aus Wien.",)]
    assert_cues_keep_the_rules(cues, CaptionRules())
    assert_cues_keep_the_rules(one_line, CaptionRules(max_lines=1))


def test_cues_prefer_to_end_at_a_sentence_then_at_a_comma():
    text = (
        "We looked at the numbers again. They were better than last year, "
        "though not by much, and nobody wanted to say so out loud at the meeting."
    )
    segment = replace(whisper_segments([(0.0, 12.0, text)], "en")[0], speaker=None)

    cues = build_cues([segment], CaptionRules())

    assert cues[0].text == "We looked at the numbers again."
    assert cues[1].text.endswith(",")


def test_a_segment_without_word_timings_is_spread_over_its_span():
    segment = Segment(10.0, 20.0, " ".join(["word"] * 30), 0.9)

    cues = build_cues([segment], CaptionRules())

    assert len(cues) > 1
    assert cues[0].start_ms == 10_000
    assert cues[-1].end_ms >= 19_000
    assert_cues_keep_the_rules(cues, CaptionRules())


def test_cue_ends_run_on_into_silence_to_be_readable_but_never_into_the_next_cue():
    segments = [
        Segment(0.0, 0.3, "Yes.", 0.9, (Word("Yes.", 0.0, 0.3, 0.9),)),
        Segment(5.0, 5.4, "Right away.", 0.9),
        Segment(5.9, 7.0, "Then again.", 0.9),
    ]

    cues = build_cues(segments, CaptionRules())

    # "Yes." is followed by silence: a cue of its own, shown for min_cue_seconds.
    assert [(c.start_ms, c.end_ms, c.text) for c in cues] == [
        (0, 1000, "Yes."),
        (5000, 7000, "Right away. Then again."),
    ]


def test_markup_arrows_and_ampersands_in_cue_text_cannot_break_players():
    segment = Segment(1.0, 3.0, "a --> b <b>bold</b> & co", 0.9, speaker="Dr <i>")

    srt = segments_to_srt([segment])
    vtt = segments_to_vtt([segment])

    [(_, _, _, srt_text)] = parse_srt(srt)
    assert srt_text == "Dr \u2039i\u203a: a --\u203a b \u2039b\u203abold\u2039/b\u203a & co"
    [(_, _, vtt_text)] = parse_vtt(vtt)
    assert vtt_text == "<v Dr &lt;i&gt;>a --&gt; b &lt;b&gt;bold&lt;/b&gt; &amp; co"


def test_speaker_names_can_be_left_out_of_every_format(meeting_segments):
    options = ExportOptions(speaker_names=False)
    names = {s.speaker for s in meeting_segments if s.speaker}

    for name in ("txt", "srt", "vtt", "json", "html"):
        body = EXPORTERS[name].render(document(meeting_segments), options)
        assert isinstance(body, str)
        assert not any(speaker in body for speaker in names), name


def test_json_from_a_real_transcript_carries_segments_and_word_timings(jfk_segments):
    payload = json.loads(EXPORTERS["json"].render(document(jfk_segments)))

    assert payload["language"] == "en"
    assert "country" in payload["text"]
    assert len(payload["segments"]) == len(jfk_segments)
    first = payload["segments"][0]
    assert set(first) == {"start", "end", "text", "speaker", "confidence", "words"}
    assert first["words"][0]["text"] == jfk_segments[0].words[0].text
    for segment in payload["segments"]:
        assert segment["start"] <= segment["end"]
        assert all(word["start"] <= word["end"] for word in segment["words"])


def test_json_clamps_ends_and_keeps_speakers():
    words = (Word(text="hi", start=2.0, end=1.5, confidence=1.2),)
    segments = [
        Segment(start=3723.4567, end=3725.0, text="past an hour", confidence=0.5, speaker="Al"),
        Segment(start=1.0, end=2.0, text="hi", confidence=0.9, words=words),
    ]

    payload = json.loads(EXPORTERS["json"].render(document(segments)))

    assert payload["segments"][0]["speaker"] == "Al"
    assert payload["segments"][0]["start"] == 3723.457
    assert payload["segments"][1]["words"] == [
        {"text": "hi", "start": 2.0, "end": 2.0, "confidence": 1.2}
    ]


def test_caption_times_print_past_an_hour_and_past_a_hundred_hours():
    segments = [
        Segment(3723.4567, 3725.0004, "past an hour", 0.5),
        Segment(360000.0, 360001.5, "a hundred hours in", 0.5),
    ]

    assert "01:02:03,457 --> 01:02:05,000" in segments_to_srt(segments)
    assert "100:00:00,000 --> 100:00:01,500" in segments_to_srt(segments)
    assert "01:02:03.457 --> 01:02:05.000" in segments_to_vtt(segments)


def test_plain_text_puts_each_speaker_turn_in_its_own_paragraph():
    segments = [
        Segment(start=0, end=1, text="Hello there.", confidence=1, speaker="Alice"),
        Segment(start=1, end=2, text="How are you?", confidence=1, speaker="Alice"),
        Segment(start=2, end=3, text="Fine.", confidence=1, speaker="Bob"),
    ]

    assert segments_to_text(segments) == "Alice: Hello there. How are you?\n\nBob: Fine.\n"
    assert segments_to_text(segments[:2]) == "Alice: Hello there. How are you?\n"
    assert segments_to_text([]) == ""


def test_text_gets_a_timecode_at_each_10_second_mark_the_speech_crosses():
    segments = whisper_segments(MEETING, "en")

    text = segments_to_text(segments, ExportOptions(timestamping="every_10_seconds"))

    stamps = re.findall(r"\[(\d\d:\d\d:\d\d)\]", text)
    assert stamps == ["00:00:00", "00:00:10", "00:00:20"]
    assert text.startswith("[00:00:00] I wonder how many meetings")
    # Placed at the word being spoken when the mark passes, not at a segment's start.
    assert re.search(r"\w \[00:00:10\] \w", text)


def test_text_gets_a_timecode_at_each_change_of_speaker(meeting_segments):
    text = segments_to_text(meeting_segments, ExportOptions(timestamping="change_of_speaker"))

    paragraphs = text.strip().split("\n\n")
    assert len(paragraphs) > 2
    assert all(re.match(r"SPEAKER_\d\d: \[\d\d:\d\d:\d\d\] \S", p) for p in paragraphs)


def test_clean_verbatim_drops_fillers_that_full_verbatim_keeps():
    segments = whisper_segments([(0.0, 4.0, "So, um, we agree, uh, on the plan.")], "en")
    doc = document(segments)

    clean = EXPORTERS["txt"].render(doc, ExportOptions(text_format="clean_verbatim"))
    full = EXPORTERS["txt"].render(doc, ExportOptions(text_format="full_verbatim"))

    assert full == "So, um, we agree, uh, on the plan.\n"
    assert "um" not in str(clean).split()
    assert "uh," not in str(clean)
    assert "we agree" in str(clean)


def interview() -> TranscriptDocument:
    segments = [
        Segment(0.0, 6.0, "Welcome back to the programme, um, everyone.", 0.9, speaker="Ann Lee"),
        Segment(6.0, 14.0, "Thanks. It's grand to be here at last.", 0.9, speaker="Raj Patel"),
        Segment(14.0, 31.0, "Let's begin with the harvest figures.", 0.9, speaker="Ann Lee"),
    ]
    timed = [
        replace(s, words=whisper_segments([(s.start, s.end, s.text)], "en")[0].words)
        for s in segments
    ]
    return document(timed)


def test_word_export_reads_back_with_speakers_words_and_timecodes():
    options = ExportOptions(timestamping="every_10_seconds", text_format="clean_verbatim")

    body = EXPORTERS["docx"].render(interview(), options)

    assert isinstance(body, bytes)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]
    assert paragraphs[0] == "interview.wav"
    turns = paragraphs[2:]
    # Clean verbatim: Smart took out the "um" and the commas around it.
    assert turns[0] == "Ann Lee: [00:00:00] Welcome back to the programme everyone."
    assert turns[1].startswith("Raj Patel: Thanks.")
    assert "[00:00:10]" in turns[1]
    # The 20 s mark passes during "with"; the next word starts at 22.5 s.
    assert turns[2] == "Ann Lee: Let's begin with [00:00:22] the harvest figures."


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def pdf_fonts(body: bytes) -> set[str]:
    """The names of the fonts the PDF uses, each checked to be embedded in it."""
    names = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        resources: Any = page["/Resources"]
        for font in resources.get_object()["/Font"].get_object().values():
            font = font.get_object()
            descriptors = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            for item in descriptors:
                descriptor = item.get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.add(str(font["/BaseFont"]))
    return names


def test_pdf_export_has_the_speakers_words_and_requested_timecodes():
    body = EXPORTERS["pdf"].render(interview(), ExportOptions(timestamping="change_of_speaker"))

    assert isinstance(body, bytes)
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    assert "Ann Lee:" in text
    assert "Raj Patel:" in text
    assert "harvest figures" in text
    assert "programme, um, everyone" in text  # full verbatim unless asked otherwise
    assert re.findall(r"\[\d\d:\d\d:\d\d\]", text) == ["[00:00:00]", "[00:00:06]", "[00:00:14]"]


@pytest.mark.parametrize(
    ("language", "sentence", "font"),
    [
        ("de", "Grüße aus Köln: Straße, Äpfel und Öl.", "Noto-Sans"),
        ("ja", "今日は良い天気ですね。", "Noto-Sans-CJK-JP"),
        ("ko", "안녕하세요, 만나서 반갑습니다.", "Noto-Sans-CJK-KR"),
        ("zh", "我们明天开会讨论这个问题。", "Noto-Sans-CJK-SC"),
    ],
)
def test_pdf_renders_non_latin_scripts_in_embedded_fonts_that_have_their_glyphs(
    language, sentence, font
):
    doc = TranscriptDocument(
        title=f"{language}.mp3",
        language=language,
        duration=4.0,
        segments=[Segment(0.0, 4.0, sentence, 0.9, speaker="Sprecher 1")],
    )

    body = EXPORTERS["pdf"].render(doc, ExportOptions())

    assert isinstance(body, bytes)
    assert sentence in pdf_text(body).replace("\n", "")
    # fontconfig found a font with these glyphs and WeasyPrint embedded it (DejaVu, the
    # only font on a bare machine, has no CJK: those pages would be empty boxes).
    assert any(font in name for name in pdf_fonts(body)), pdf_fonts(body)


def test_html_export_escapes_what_people_typed():
    segments = [Segment(0.0, 2.0, "<script>alert('x')</script> & more", 0.9, speaker="<b>Eve</b>")]

    body = EXPORTERS["html"].render(document(segments, title="<img src=x onerror=alert(1)>"))

    assert isinstance(body, str)
    assert "<script>" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in body
    assert "&lt;b&gt;Eve&lt;/b&gt;:" in body
    assert "<img" not in body
    assert body.startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("name", "extension", "content_type"),
    [
        ("txt", "txt", "text/plain; charset=utf-8"),
        ("srt", "srt", "application/x-subrip; charset=utf-8"),
        ("vtt", "vtt", "text/vtt; charset=utf-8"),
        ("json", "json", "application/json"),
        (
            "docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("pdf", "pdf", "application/pdf"),
        ("html", "html", "text/html; charset=utf-8"),
    ],
)
def test_each_format_is_registered_with_its_extension_and_content_type(
    name, extension, content_type, jfk_segments
):
    exporter = get_exporter(name)

    assert exporter is not None
    assert (exporter.name, exporter.extension, exporter.content_type) == (
        name,
        extension,
        content_type,
    )
    body = exporter.render(document(jfk_segments))
    assert body


def test_an_unknown_format_has_no_exporter():
    assert get_exporter("doc") is None
    assert list(EXPORTERS) == ["txt", "srt", "vtt", "json", "docx", "pdf", "html"]
