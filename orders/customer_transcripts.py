"""A customer's own transcript (GoTranscript's ``transcription_url``) as plain text, one
segment a line: what ``forced_alignment`` and ``transcription_proofreading`` orders align.

Caption files are read by maintained parsers (``srt``, ``webvtt-py``), each cue a line;
JSON by its shape (a list of strings or of ``{"text"}``/``{"word"}``, or an object with
``segments``, ``words`` or ``text``: Hark's, OpenAI's and most engines' JSON); anything
else is plain text. The words are kept, and who says them: a JSON segment's ``speaker``,
a VTT voice (``<v Anna>``), or "Anna: …" labels when (nearly) every line of a plain-text
or SRT transcript has one. A speaker goes before its line with a tab
(``jobs.alignment.known_text.SPEAKER_SEPARATOR``), which the cleaned text never holds.
Cue times are the customer's guesses; the aligner finds the real ones.
"""

from __future__ import annotations

import json
import re
from typing import Any

import srt
import webvtt
from webvtt.errors import MalformedFileError

from jobs.alignment.known_text import SPEAKER_SEPARATOR
from jobs.errors import InvalidJobRequest

# An SRT/VTT timing line, to tell caption files from prose before parsing.
_TIMING = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}\s*-->")
_TAG = re.compile(r"<[^>]+>")
_SPEAKER_LABEL = re.compile(r"^\s*-\s*")
# "Anna:", "Speaker 2:", "Dr. Ruth Smith:" at a line's start: up to four words, none
# ending a sentence, the first capitalised or a number.
_NAME_LABEL = re.compile(r"^\s*([A-Z0-9][\w.'-]*(?: [\w.'-]+){0,3})\s*:\s+(\S.*)$")
# Labels are read only when this share of the lines has one: a transcript labelled
# throughout, not prose with the odd "Note: …" (whose word must not be lost).
LABELLED_SHARE = 0.8

Line = tuple[str, str]  # (speaker or "", text)


def transcript_file_text(raw: bytes) -> str:
    """The transcript's words, one segment a line. InvalidJobRequest for a file that is
    not text; a file with no words gives "" (the order is refunded with a sentence)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidJobRequest(
            "transcription_url must point to a text file (plain text, JSON, SRT or VTT in UTF-8)."
        ) from None
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return _lines(_json_lines(json.loads(stripped)))
        except ValueError:
            pass  # prose that starts with a bracket
    if stripped.startswith("WEBVTT"):
        return _vtt_text(stripped)
    if _TIMING.search(stripped):
        return _srt_text(stripped)
    return _lines(_labelled(stripped.splitlines()))


def _lines(lines: list[Line]) -> str:
    # A speaker's name as long as a transcript's speaker label may be.
    cleaned = (
        (" ".join(speaker.split())[:60], " ".join(_TAG.sub("", text).split()))
        for speaker, text in lines
    )
    return "\n".join(
        f"{speaker}{SPEAKER_SEPARATOR}{text}" if speaker else text
        for speaker, text in cleaned
        if text
    )


def _labelled(texts: list[str]) -> list[Line]:
    """Lines of text, with "Name: …" labels read as speakers when the transcript is
    labelled throughout."""
    lines = [text for text in texts if text.strip()]
    matches = [_NAME_LABEL.match(text) for text in lines]
    if len(lines) < 2 or sum(m is not None for m in matches) < LABELLED_SHARE * len(lines):
        return [("", text) for text in lines]
    return [
        (m.group(1), m.group(2)) if m else ("", text)
        for m, text in zip(matches, lines, strict=True)
    ]


def _vtt_text(text: str) -> str:
    try:
        captions = webvtt.from_string(text)
    except MalformedFileError as exc:
        raise InvalidJobRequest(f"The VTT file at transcription_url is not valid: {exc}") from None
    return _lines(
        [
            (caption.voice or "", " ".join(caption.text.splitlines()))
            for caption in captions.captions
        ]
    )


def _srt_text(text: str) -> str:
    try:
        cues = list(srt.parse(text))
    except srt.SRTParseError as exc:
        raise InvalidJobRequest(f"The SRT file at transcription_url is not valid: {exc}") from None
    return _lines(
        _labelled([_SPEAKER_LABEL.sub("", " ".join(cue.content.splitlines())) for cue in cues])
    )


def _json_lines(data: Any) -> list[Line]:
    if isinstance(data, dict):
        for key in ("segments", "words", "results"):
            if isinstance(data.get(key), list):
                return _json_lines(data[key])
        text = data.get("text") or data.get("transcript") or ""
        return _labelled(str(text).splitlines())
    if not isinstance(data, list):
        return []
    if data and all(isinstance(item, dict) and "word" in item for item in data):
        # A word list (an alignment's, or an engine's): one line of words.
        return [("", " ".join(str(item["word"]) for item in data))]
    lines: list[Line] = []
    for item in data:
        if isinstance(item, str):
            lines.append(("", item))
        elif isinstance(item, dict):
            speaker = item.get("speaker") or item.get("speaker_label") or ""
            text = item.get("text") or item.get("transcript") or ""
            lines.append((str(speaker), str(text)))
    return lines
