"""The offline summary: a few of the transcript's own sentences, and its topics.

Sentences are chosen by sumy's TextRank, topics by YAKE, each with the stop words (and
stemmer) of the language the sentences were spoken in.

TextRank rather than LexRank: transcripts are often a handful of sentences, where
LexRank's idf (log(n / (1 + df))) is zero or negative for every word, every similarity
is zero, and its power method divides by zero and ranks by NaN. TextRank's damping keeps
the ranking defined for any number of sentences, and it needs no similarity threshold.

Length: a transcript of n sentences gets (n + 1) // 3 of them (at most ``sentences``):
one for two to four sentences, none for a single sentence, since the only extract of one
sentence is the transcript itself. A summary is therefore always strictly shorter. And a
sentence longer than half of what was said in its language is passed over while a
shorter one is left: TextRank favours long sentences (they share the most words), and a
read-out licence's one long sentence is most of the licence, not a summary of it. So is
a sentence with fewer than two content words ("Okay.", "Yeah, yeah, yeah."): conversation
is full of them, and they say nothing on their own.

Mixed languages: each language gets its share of the summary's sentences and of the
topics in proportion to the sentences spoken in it (largest remainders), so a recording
that switches from English to German is summarised in both; ranking happens within one
language, since similarity across languages means nothing to word-overlap methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yake
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.summarizers.text_rank import TextRankSummarizer

from jobs.engines.base import Segment
from jobs.text.fillers import discourse_markers_for, fillers_for
from jobs.text.language import Lexicon, lexicon
from jobs.text.sentences import SpokenSentence, WordTokenizer, spoken_sentences, words

# YAKE candidates: single words and two-word phrases.
_TOPIC_WORDS = 2
_TOKENIZER = WordTokenizer()


def summarize(
    segments: Sequence[Segment],
    *,
    sentences: int = 3,
    topics: int = 5,
    language: str | None = None,
) -> tuple[str, list[str]]:
    """Up to ``sentences`` of the transcript's sentences, in spoken order, and up to
    ``topics`` key phrases. ``language`` is for segments that do not say their own."""
    spoken = spoken_sentences(segments, language=language)
    if not spoken:
        return "", []
    groups = _by_language(spoken)
    count = min(sentences, (len(spoken) + 1) // 3)
    chosen: list[SpokenSentence] = []
    for group, share in zip(groups, apportion(count, [len(g) for g in groups]), strict=True):
        chosen.extend(_central_sentences(group, share))
    summary = " ".join(dict.fromkeys(s.text for s in sorted(chosen, key=lambda s: s.order)))
    return summary, _topics(groups, topics)


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainders; ties go to
    the earlier weight."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    exact = [total * weight / whole for weight in weights]
    shares = [int(part) for part in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - exact[i])
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _by_language(spoken: list[SpokenSentence]) -> list[list[SpokenSentence]]:
    """The sentences of each language, the language spoken most first."""
    groups: dict[str, list[SpokenSentence]] = {}
    for sentence in spoken:
        groups.setdefault(sentence.language, []).append(sentence)
    return sorted(groups.values(), key=len, reverse=True)


def _stop_words(code: str) -> frozenset[str]:
    return lexicon(code).stop_words | fillers_for(code) | discourse_markers_for(code)


def _central_sentences(group: list[SpokenSentence], count: int) -> list[SpokenSentence]:
    if count <= 0:
        return []
    lex: Lexicon = lexicon(group[0].language)
    stop_words = _stop_words(lex.code)
    limit = sum(len(spoken.text) for spoken in group) / 2
    candidates = [
        spoken
        for spoken in group
        if len(spoken.text) <= limit and _content_words(spoken.text, stop_words) >= 2
    ] or group
    summarizer = TextRankSummarizer(lex.stem)
    summarizer.stop_words = stop_words
    # One sumy sentence per spoken sentence; identity (not text, which sumy compares
    # by) leads back to the spoken one.
    by_identity: dict[int, SpokenSentence] = {}
    document_sentences = []
    for spoken in candidates:
        sentence = Sentence(spoken.text, _TOKENIZER)
        by_identity[id(sentence)] = spoken
        document_sentences.append(sentence)
    document = ObjectDocumentModel([Paragraph(document_sentences)])
    return [by_identity[id(best)] for best in summarizer(document, count)]


def _content_words(sentence: str, stop_words: frozenset[str]) -> int:
    return sum(1 for word in words(sentence) if word.casefold() not in stop_words)


def _topics(groups: list[list[SpokenSentence]], count: int) -> list[str]:
    if count <= 0:
        return []
    ranked = [_key_phrases(group, count) for group in groups]
    shares = apportion(count, [len(group) for group in groups])
    picked: list[_Phrase] = []
    # Each language's share first, then whatever the others have left, in rank order.
    for phrases, share in zip(ranked, shares, strict=True):
        taken = 0
        for phrase in phrases:
            if taken < share and phrase.adds_to(picked):
                picked.append(phrase)
                taken += 1
    for phrases in ranked:
        for phrase in phrases:
            if len(picked) < count and phrase.adds_to(picked):
                picked.append(phrase)
    return [phrase.text for phrase in picked]


@dataclass(frozen=True)
class _Phrase:
    text: str
    stems: frozenset[str]

    def adds_to(self, picked: list[_Phrase]) -> bool:
        """Whether it says something the picked ones do not: "Americans" adds nothing to
        "fellow Americans", nor "talking" to "talk", nor "Software" to "software"."""
        return not any(self.stems <= other.stems or other.stems <= self.stems for other in picked)


def _key_phrases(group: list[SpokenSentence], count: int) -> list[_Phrase]:
    """YAKE's best phrases for one language's sentences, best first, without stop
    words, fillers or numbers; none for languages written without spaces."""
    lex = lexicon(group[0].language)
    if not lex.spaced:
        # YAKE would return whole clauses as "words".
        return []
    stop_words = _stop_words(lex.code)
    extractor = yake.KeywordExtractor(
        lan=lex.code or "noLang",
        n=_TOPIC_WORDS,
        # Room for the phrases the checks below turn away.
        top=count * 4,
        stopwords=set(stop_words),
    )
    text = " ".join(sentence.text for sentence in group)
    phrases = [str(phrase) for phrase, _score in extractor.extract_keywords(text)]
    return [
        _Phrase(phrase, frozenset(lex.stem(token.casefold()) for token in phrase.split()))
        for phrase in phrases
        if _is_topic(phrase, stop_words)
    ]


def _is_topic(phrase: str, stop_words: frozenset[str]) -> bool:
    tokens = phrase.split()
    return (
        bool(tokens)
        and any(character.isalpha() for character in phrase)
        and all(len(token) > 1 and token.casefold() not in stop_words for token in tokens)
    )
