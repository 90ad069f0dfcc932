"""A customer's own transcript, whatever file it came in, as the lines an order aligns."""

from __future__ import annotations

import json

import pytest

from jobs.errors import InvalidJobRequest
from orders.customer_transcripts import transcript_file_text


def test_vtt_cues_become_lines_without_voice_tags_or_settings() -> None:
    vtt = (
        "WEBVTT\n\nNOTE made by an engine\n\n00:00.000 --> 00:02.500 align:start\n"
        "<v Ruth>And so, my fellow\nAmericans,</v>\n\n00:02.500 --> 00:04.000\nask not\n"
    )
    assert transcript_file_text(vtt.encode()) == "And so, my fellow Americans,\nask not"


def test_srt_cues_become_lines_without_markup() -> None:
    srt = (
        "1\n00:00:00,000 --> 00:00:02,000\n<i>Hello</i> there\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\n- Bye\n"
    )
    assert transcript_file_text(srt.encode()) == "Hello there\nBye"


@pytest.mark.parametrize(
    "data",
    [
        {"segments": [{"text": "first line"}, {"text": "second line"}]},
        [{"text": "first line"}, {"text": "second line"}],
        ["first line", "second line"],
        {"text": "first line\nsecond line"},
    ],
    ids=["segments", "list-of-objects", "list-of-strings", "text"],
)
def test_json_transcripts_of_the_common_shapes_are_read(data: object) -> None:
    assert transcript_file_text(json.dumps(data).encode()) == "first line\nsecond line"


def test_a_word_list_is_one_line() -> None:
    words = [{"word": "ask", "begin": 0.1, "end": 0.3}, {"word": "not", "begin": 0.3, "end": 0.5}]
    assert transcript_file_text(json.dumps(words).encode()) == "ask not"


def test_plain_text_keeps_its_lines_and_drops_blank_ones() -> None:
    assert transcript_file_text("\ufeffOne  two.\n\n  Three\n".encode()) == "One two.\nThree"


def test_a_binary_file_is_refused_with_a_sentence() -> None:
    with pytest.raises(InvalidJobRequest) as raised:
        transcript_file_text(b"\xff\xfe\x00\x89PNG")
    assert "text file" in raised.value.message
