"""A customer's own transcript (GoTranscript's ``transcription_url``) as plain text, one
segment a line: what ``forced_alignment`` and ``transcription_proofreading`` orders align.

Caption files are read by maintained parsers (``srt``, ``webvtt-py``), each cue a line;
JSON by its shape (a list of strings or of ``{"text"}``/``{"word"}``, or an object with
``segments``, ``words`` or ``text``: Hark's, OpenAI's and most engines' JSON); anything
else is plain text. Only the words are kept: cue times are the customer's guesses, the
aligner finds the real ones.
"""

from __future__ import annotations

import json
import re
from typing import Any

import srt
import webvtt
from webvtt.errors import MalformedFileError

from jobs.errors import InvalidJobRequest

# An SRT/VTT timing line, to tell caption files from prose before parsing.
_TIMING = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?[.,]\d{3}\s*-->")
_TAG = re.compile(r"<[^>]+>")
_SPEAKER_LABEL = re.compile(r"^\s*-\s*")


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
    return _lines(stripped.splitlines())


def _lines(lines: list[str]) -> str:
    cleaned = (" ".join(_TAG.sub("", line).split()) for line in lines)
    return "\n".join(line for line in cleaned if line)


def _vtt_text(text: str) -> str:
    try:
        captions = webvtt.from_string(text)
    except MalformedFileError as exc:
        raise InvalidJobRequest(f"The VTT file at transcription_url is not valid: {exc}") from None
    return _lines([" ".join(caption.text.splitlines()) for caption in captions.captions])


def _srt_text(text: str) -> str:
    try:
        cues = list(srt.parse(text))
    except srt.SRTParseError as exc:
        raise InvalidJobRequest(f"The SRT file at transcription_url is not valid: {exc}") from None
    return _lines([_SPEAKER_LABEL.sub("", " ".join(cue.content.splitlines())) for cue in cues])


def _json_lines(data: Any) -> list[str]:
    if isinstance(data, dict):
        for key in ("segments", "words", "results"):
            if isinstance(data.get(key), list):
                return _json_lines(data[key])
        text = data.get("text") or data.get("transcript") or ""
        return str(text).splitlines()
    if not isinstance(data, list):
        return []
    if data and all(isinstance(item, dict) and "word" in item for item in data):
        # A word list (an alignment's, or an engine's): one line of words.
        return [" ".join(str(item["word"]) for item in data)]
    lines: list[str] = []
    for item in data:
        if isinstance(item, str):
            lines.append(item)
        elif isinstance(item, dict):
            lines.append(str(item.get("text") or item.get("transcript") or ""))
    return lines
