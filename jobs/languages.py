"""Language names for the codes engines declare (ISO 639-1)."""

from __future__ import annotations

LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "lt": "Lithuanian", "ms": "Malay", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "th": "Thai",
    "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
    # The rest of the languages the upstream providers (Whisper and others) offer.
    "af": "Afrikaans", "az": "Azerbaijani", "be": "Belarusian", "bg": "Bulgarian",
    "bs": "Bosnian", "cy": "Welsh", "et": "Estonian", "gl": "Galician", "hu": "Hungarian",
    "hy": "Armenian", "is": "Icelandic", "kk": "Kazakh", "kn": "Kannada", "lv": "Latvian",
    "mi": "Maori", "mk": "Macedonian", "mr": "Marathi", "ne": "Nepali", "ta": "Tamil",
    "tl": "Tagalog", "ur": "Urdu",
}  # fmt: skip


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
