"""How an export is asked for: GoTranscript's text format and timestamping, speaker names,
and the line rules captions are cut by, each parsed from a request's query parameters.

Every bad value is an ``InvalidJobRequest`` whose message names the value and what is
allowed, because it is shown to the person who typed it as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from jobs.errors import InvalidJobRequest

CLEAN_VERBATIM = "clean_verbatim"
FULL_VERBATIM = "full_verbatim"
TEXT_FORMATS: dict[str, str] = {
    CLEAN_VERBATIM: "Clean verbatim (fillers removed)",
    FULL_VERBATIM: "Full verbatim (every word as stored)",
}

NOT_REQUIRED = "not_required"
CHANGE_OF_SPEAKER = "change_of_speaker"
# Timestamping choice → seconds between timecodes (None: not periodic).
TIMESTAMPING: dict[str, int | None] = {
    NOT_REQUIRED: None,
    "every_10_seconds": 10,
    "every_30_seconds": 30,
    "every_2_minutes": 120,
    CHANGE_OF_SPEAKER: None,
}
TIMESTAMPING_LABELS: dict[str, str] = {
    NOT_REQUIRED: "None",
    "every_10_seconds": "Every 10 seconds",
    "every_30_seconds": "Every 30 seconds",
    "every_2_minutes": "Every 2 minutes",
    CHANGE_OF_SPEAKER: "At each change of speaker",
}

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")


@dataclass(frozen=True)
class CaptionRules:
    """Line rules for SRT and WebVTT cues; the defaults are common broadcast guidance."""

    max_line_chars: int = 42
    max_lines: int = 2
    max_chars_per_second: float = 17.0
    min_cue_seconds: float = 1.0
    max_cue_seconds: float = 7.0


# Parameter → (type, lowest, highest): ranges outside which captions stop being readable
# or the cutting stops making sense (a cue shorter than its minimum, say).
CAPTION_LIMITS: dict[str, tuple[type, float, float]] = {
    "max_line_chars": (int, 10, 200),
    "max_lines": (int, 1, 5),
    "max_chars_per_second": (float, 5, 60),
    "min_cue_seconds": (float, 0.1, 10),
    "max_cue_seconds": (float, 1, 30),
}


@dataclass(frozen=True)
class ExportOptions:
    text_format: str = FULL_VERBATIM
    timestamping: str = NOT_REQUIRED
    speaker_names: bool = True
    captions: CaptionRules = field(default_factory=CaptionRules)

    @property
    def timecode_interval(self) -> int | None:
        """Seconds between periodic timecodes, or None."""
        return TIMESTAMPING[self.timestamping]


def default_text_format(job_type: str) -> str:
    """The text format a job's own type implies: verbatim jobs keep every word."""
    return FULL_VERBATIM if job_type == "verbatim" else CLEAN_VERBATIM


def export_options_from_query(
    params: Mapping[str, str], *, default_text_format: str = FULL_VERBATIM
) -> ExportOptions:
    """The options in ``params`` (a request's query parameters); absent ones take defaults."""
    text_format = _choice(params, "text_format", TEXT_FORMATS, default_text_format)
    timestamping = _choice(params, "timestamping", TIMESTAMPING, NOT_REQUIRED)
    speaker_names = _boolean(params, "speaker_names", default=True)
    defaults = CaptionRules()
    values = {
        name: _number(params, name, kind, low, high, getattr(defaults, name))
        for name, (kind, low, high) in CAPTION_LIMITS.items()
    }
    rules = CaptionRules(**values)
    if rules.min_cue_seconds > rules.max_cue_seconds:
        raise InvalidJobRequest(
            f"min_cue_seconds ({_show(rules.min_cue_seconds)}) cannot be longer than "
            f"max_cue_seconds ({_show(rules.max_cue_seconds)})."
        )
    return ExportOptions(text_format, timestamping, speaker_names, rules)


def _value(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def _choice(
    params: Mapping[str, str], name: str, allowed: Mapping[str, object], default: str
) -> str:
    value = _value(params, name)
    if value is None:
        return default
    if value.lower() not in allowed:
        raise InvalidJobRequest(f"Unknown {name} '{value}'. Use one of: {', '.join(allowed)}.")
    return value.lower()


def _boolean(params: Mapping[str, str], name: str, *, default: bool) -> bool:
    value = _value(params, name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise InvalidJobRequest(f"{name} must be true or false, not '{value}'.")


N = TypeVar("N", int, float)


def _number(
    params: Mapping[str, str],
    name: str,
    kind: Callable[[str], N],
    low: float,
    high: float,
    default: N,
) -> N:
    value = _value(params, name)
    if value is None:
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        number = kind(value)
    except ValueError:
        raise InvalidJobRequest(
            f"{name} must be {what} from {_show(low)} to {_show(high)}, not '{value}'."
        ) from None
    if not low <= number <= high:  # NaN fails this too
        raise InvalidJobRequest(
            f"{name} must be {what} from {_show(low)} to {_show(high)}, not '{value}'."
        )
    return number


def _show(number: float) -> str:
    return f"{number:g}"
