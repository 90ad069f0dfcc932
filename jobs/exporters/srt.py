"""SubRip (.srt): numbered cues with ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` times.

SubRip has no escapes: players show ``&lt;`` as it is, yet read ``<b>``, ``<i>``,
``<font …>`` as markup (VLC hides any ``<…>``). So a ``<`` or ``>`` that was said — or
typed into a transcript — is written as its look-alike, a single angle quotation mark
(U+2039, U+203A): the words stay readable, no player can take them for a tag, and ``-->``
in the text can no longer pass for a timing line. ``&`` means nothing in SubRip and is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from jobs.engines.base import Segment
from jobs.exporters.captions import build_cues
from jobs.exporters.options import ExportOptions

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument, options: ExportOptions) -> str:
    return segments_to_srt(document.segments, options)


def segments_to_srt(segments: Iterable[Segment], options: ExportOptions | None = None) -> str:
    """Cues numbered from 1, cut by the options' caption rules; a speaker's name becomes a
    ``Name:`` prefix on the first line of each cue of their turn."""
    options = options or ExportOptions()
    label = speaker_label if options.speaker_names else None
    blocks = []
    for number, cue in enumerate(build_cues(segments, options.captions, label=label), start=1):
        lines = [escape(line) for line in cue.lines]
        if label and cue.speaker:
            lines[0] = escape(label(cue.speaker)) + lines[0]
        times = f"{clock(cue.start_ms)} --> {clock(cue.end_ms)}"
        blocks.append(f"{number}\n{times}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def speaker_label(speaker: str) -> str:
    return f"{' '.join(speaker.split())}: "


def escape(text: str) -> str:
    return text.replace("<", "\u2039").replace(">", "\u203a")


def clock(milliseconds: int, *, decimal_mark: str = ",") -> str:
    """``HH:MM:SS,mmm`` (hours grow past 99 rather than wrapping)."""
    seconds, millis = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_mark}{millis:03d}"
