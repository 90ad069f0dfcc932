"""Filler words ("um", "äh", "euh") per language, for the Smart job type.

Kept short on purpose: a word here is deleted from every Smart transcript in that
language, so only sounds that are never a real word in it belong. That is why the lists
are per language: "um" is a German preposition and "er" a German pronoun, while
Spanish "este" and "pues" or French "ben" are fillers only some of the time and stay.
"""

from __future__ import annotations

from jobs.text.language import language_code

FILLERS: dict[str, frozenset[str]] = {
    "en": frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm", "mm", "mmm"}),
    "de": frozenset({"äh", "ähm", "ähh", "öh", "öhm", "hm", "hmm", "mm", "mmm"}),
    "es": frozenset({"eh", "ehm", "em", "hm", "hmm", "mm", "mmm"}),
    "fr": frozenset({"euh", "euhm", "heu", "hum", "hm", "hmm", "mm", "mmm"}),
}

# For text in a language without its own list (or not known): only the sounds that are
# not a word in any language listed above.
NEUTRAL_FILLERS = frozenset(
    {"uh", "uhm", "umm", "erm", "ehm", "euh", "äh", "ähm", "hm", "hmm", "mm", "mmm"}
)


def fillers_for(language: str | None) -> frozenset[str]:
    """The fillers of a language (a code such as "de" or "de-AT"), case-folded."""
    return FILLERS.get(language_code(language), NEUTRAL_FILLERS)


# Words of conversation that are no topic and make no summary ("Yeah, yeah, yeah."), but
# are real words Smart keeps. Unknown languages get none: these are not sounds.
DISCOURSE_MARKERS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {"yeah", "yep", "yup", "yes", "okay", "ok", "oh", "ooh", "wow", "well", "right", "sure",
         "alright", "hey", "hi", "hello", "bye", "thanks", "thank", "please", "sorry", "gonna",
         "wanna", "gotta", "kinda", "sorta", "stuff", "thing", "things", "lot", "lots",
         "really", "actually", "basically", "literally", "maybe", "anyway", "uh-huh", "mhm"}
    ),
    "de": frozenset(
        {"ja", "jo", "jaja", "nee", "ne", "okay", "ok", "genau", "naja", "na", "halt", "eben",
         "mal", "doch", "eigentlich", "quasi", "sozusagen", "irgendwie", "danke", "bitte",
         "hallo", "tschüss", "mhm"}
    ),
    "es": frozenset(
        {"sí", "vale", "bueno", "pues", "claro", "vaya", "oye", "mira", "gracias", "hola",
         "este", "okay", "ok", "mhm"}
    ),
    "fr": frozenset(
        {"oui", "ouais", "bon", "ben", "bah", "voilà", "alors", "donc", "quoi", "genre", "enfin",
         "bref", "merci", "salut", "bonjour", "okay", "ok", "mhm"}
    ),
}  # fmt: skip


def discourse_markers_for(language: str | None) -> frozenset[str]:
    """The discourse markers of a language ("yeah", "genau", "voilà"), case-folded."""
    return DISCOURSE_MARKERS.get(language_code(language), frozenset())
