"""Whisper's failure modes on long audio, caught after decoding: repetition loops are kept
once, text the model doubted was speech is dropped, and languages are told apart
window by window (with unsure windows following their neighbours)."""

from __future__ import annotations

from jobs.engines.whisper.guards import Token, looks_invented, without_loops
from jobs.engines.whisper.languages import _smoothed, _windows


def tokens(text: str, probability: float = 0.9) -> list[Token]:
    return [
        Token(f" {word}", index * 0.5, index * 0.5 + 0.4, probability)
        for index, word in enumerate(text.split())
    ]


def joined(kept: list[Token]) -> str:
    return "".join(t.raw for t in kept).strip()


def test_a_phrase_looping_three_times_is_kept_once():
    looped = tokens(
        "subject to the above copyright notice and the above copyright notice and "
        "the above copyright notice and this permission notice."
    )
    assert joined(without_loops(looped)) == (
        "subject to the above copyright notice and this permission notice."
    )


def test_a_loop_is_found_whatever_its_punctuation_and_case():
    looped = tokens("Thank you. Thank you. thank you, Thank you! Bye.")
    assert joined(without_loops(looped)) == "Thank you. Bye."


def test_a_word_said_a_few_times_for_emphasis_is_kept():
    said = tokens("no, no, no, not that one.")
    assert joined(without_loops(said)) == "no, no, no, not that one."


def test_a_single_word_stuck_in_a_loop_is_kept_once():
    stuck = tokens("okay okay okay okay okay okay okay okay then")
    assert joined(without_loops(stuck)) == "okay then"


def test_a_phrase_said_twice_is_not_a_loop():
    twice = tokens("ask not what your country can do, ask not what your country can do")
    assert len(without_loops(twice)) == len(twice)


def test_the_times_of_the_kept_words_are_their_own():
    looped = tokens("go on go on go on go on and stop")
    kept = without_loops(looped)
    assert [t.raw for t in kept] == [" go", " on", " and", " stop"]
    assert kept[2].start == looped[8].start


def test_text_over_silence_that_the_model_doubted_is_dropped():
    assert looks_invented(tokens("Thanks for watching!", 0.2), no_speech_prob=0.8)


def test_sure_speech_stays_even_where_the_model_thought_it_might_be_silence():
    assert not looks_invented(tokens("Not at all.", 0.8), no_speech_prob=0.8)
    assert not looks_invented(tokens("mumbled words", 0.2), no_speech_prob=0.1)


def test_speech_is_grouped_into_windows_of_at_most_thirty_seconds_at_pauses():
    second = 16000
    spans = [(0, 10 * second), (11 * second, 25 * second), (26 * second, 40 * second)]
    assert _windows(spans) == [(0, 25 * second), (26 * second, 40 * second)]


def test_an_unsure_window_takes_the_language_of_its_neighbour():
    guesses = [("en", True), ("cy", False), ("en", True), ("de", True), ("nn", False)]
    assert _smoothed(guesses) == ["en", "en", "en", "de", "de"]
    assert _smoothed([("fr", False), ("de", True)]) == ["de", "de"]
    assert _smoothed([("it", False), ("es", False)]) == ["it", "it"]
