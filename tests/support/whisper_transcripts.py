"""Real Whisper output, kept as data so text tests need not run the model.

Produced once with faster-whisper 1.2.1 and the Whisper base model (int8, CPU,
``vad_filter=True``) from the recordings in ``../shared/audio``:

- ``multilingual.mp3`` (the MIT licence read in English, then in German): the English
  half from ``transcribe(path, language="en")``. Asked for "de" over the whole file, base
  kept writing the English half in English and skipped the German one, so the German
  half is ``transcribe(audio[29 s:], language="de")`` with 29 s added to its times.
  Whisper's mistakes ("unentgärtlich", "sammensufügen", "wird wir mit") are kept.
- ``jfk.flac``: ``transcribe(path, language="en")``.
- ``ami_debug_tst00.wav`` (a meeting): ``transcribe(path, language="en")``.
- ``ami_whisper.json``: the Whisper engine's whole result for ``ami_debug_tst00.wav``
  (language detected), word confidences included. On this crosstalk faster-whisper
  falls back to sampling at higher temperatures, and CTranslate2's random generator
  cannot be re-seeded per call, so two runs disagree on which segments are doubtful;
  tests about doubtful segments use this one run.
"""

from __future__ import annotations

import json
from pathlib import Path

from jobs.engines.base import Segment, TranscriptionResult, Word

MULTILINGUAL_EN = [
    (
        0.0,
        4.96,
        "Permission is hereby granted, free of charge, to any person obtaining "
        "a copy of this software",
    ),
    (4.96, 8.88, "and associated documentation files to deal in the software without restriction,"),
    (
        8.88,
        14.72,
        "including without limitation the rights to use, copy, modify, merge, publish, distribute,",
    ),
    (
        14.72,
        19.84,
        "sublicense, and or sell copies of the software and to permit persons "
        "to whom the software is",
    ),
    (
        19.84,
        24.56,
        "furnished to do so. Subject to the following conditions, the above "
        "copyright notice and this",
    ),
    (
        24.56,
        28.96,
        "permission notice. So be included in all copies or substantial portions of the software.",
    ),
]

MULTILINGUAL_DE = [
    (
        29.0,
        37.52,
        "Jeden, der diese Software und die dazugehörigen Dokumentationsdateien "
        "erhält, wird wir mit unentgärtlich",
    ),
    (37.52, 41.36, "die Genehmigung erteilt, mit der Software uneingeschränkt zu verfahren."),
    (
        41.36,
        47.8,
        "Dies umfasst insbesondere das Recht, die Software zu verwenden, zu vervielfältigen, zu",
    ),
    (
        47.8,
        54.04,
        "modifizieren, zu sammensufügen, zu veröffentlichen, zu verteilen, "
        "unterzulizenzieren und oder",
    ),
    (
        54.04,
        59.48,
        "Kopien der Software zu verkaufen und diese Rechte unter folgenden "
        "Bedingungen anderen zu übertragen.",
    ),
]

JFK = [
    (
        0.0,
        11.0,
        "And so my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country.",
    ),
]

MEETING = [
    (
        0.0,
        6.46,
        "I wonder how many meetings is talking about the stuff with the "
        "meetings. Yeah, yeah, yeah, yeah. Look at all these stuff, right?",
    ),
    (
        8.4,
        18.88,
        "Okay. Okay. So, what do we need to talk about? Should we just go "
        "around and everyone says what they've been doing?",
    ),
    (18.88, 22.44, "Does it mean we've done anything? No, it's not."),
    (24.0, 27.9, "Well, I'm sorry. Yeah. Okay. Sounds like you've done something."),
]


def whisper_segment(start: float, end: float, text: str, language: str | None) -> Segment:
    """A segment as the Whisper engine builds it: one word per token of the text, with its
    punctuation attached ("Um,"), the segment's time shared out evenly among them."""
    tokens = text.split()
    step = (end - start) / max(len(tokens), 1)
    words = tuple(
        Word(token, round(start + i * step, 3), round(start + (i + 1) * step, 3), 0.9)
        for i, token in enumerate(tokens)
    )
    return Segment(start, end, text, 0.9, words, language=language)


def whisper_segments(rows: list[tuple[float, float, str]], language: str | None) -> list[Segment]:
    return [whisper_segment(start, end, text, language) for start, end, text in rows]


def ami_meeting_result() -> TranscriptionResult:
    """The recorded Whisper result for the AMI meeting clip (see the module's notes)."""
    data = json.loads((Path(__file__).with_name("ami_whisper.json")).read_text())
    segments = [
        Segment(
            start=s["start"],
            end=s["end"],
            text=s["text"],
            confidence=s["confidence"],
            words=tuple(Word(**w) for w in s["words"]),
            language=s["language"],
        )
        for s in data["segments"]
    ]
    return TranscriptionResult(
        segments=segments,
        language=data["language"],
        duration=data["duration"],
        engine=data["engine"],
    )
