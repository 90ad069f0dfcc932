"""Apertium: rule-based machine translation on our own CPUs, from Debian's packages.

Apertium is GPL, so it runs as a separate ``apertium`` process and is never linked. Its
installed language pairs (one ``.mode`` file each, listed by ``apertium -l``) are found
once per command; where no pair goes directly, the text is chained through pivots by
the shortest route (English → French is English → Spanish → French).

Many segments go through one process: each becomes a ``<p>`` of an HTML document, which
Apertium's HTML format translates block by block and passes through untouched. Plain
text would not do: Apertium treats a line break as a space, so words move across
segments ("the black / cat" comes back as "El gato / negro").

Each pair's programs stay running between documents in a worker (``apertium_warm``):
starting them costs as much as translating a 10-minute transcript.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Sequence
from functools import cache

from django.conf import settings

from jobs.engines.base import ProviderError
from jobs.translation.engines.apertium_warm import WarmStartFailed, mode_file, warm_translate
from jobs.translation.engines.base import (
    LanguagePair,
    TextSegment,
    TranslatorBase,
    TranslatorInfo,
    batches,
    price_per_word,
)

logger = logging.getLogger(__name__)

NAME = "apertium"
# Longer chains lose too much meaning to be worth offering.
MAX_HOPS = 3
# Characters per process run: bounds its memory and how long one run may take.
_BATCH_CHARS = 100_000
_BLOCK = re.compile(r"<p>(.*?)</p>", re.DOTALL)
# Apertium names languages by ISO 639-3 (newer pairs) or 639-1 (older ones); Hark by
# 639-1 where there is one.
_ISO_639_1 = {
    "afr": "af", "arg": "an", "bel": "be", "bos": "bs", "bul": "bg", "cat": "ca",
    "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el", "eng": "en",
    "epo": "eo", "eus": "eu", "fra": "fr", "gle": "ga", "glg": "gl", "hbs": "sh",
    "hin": "hi", "hrv": "hr", "isl": "is", "ita": "it", "kaz": "kk", "mkd": "mk",
    "mlt": "mt", "nld": "nl", "nno": "nn", "nob": "nb", "oci": "oc", "pol": "pl",
    "por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "spa": "es",
    "sqi": "sq", "srp": "sr", "swe": "sv", "tat": "tt", "tur": "tr", "ukr": "uk",
    "urd": "ur",
}  # fmt: skip
INSTALL = (
    "apt-get install apertium apertium-eng-spa apertium-fr-es apertium-es-pt "
    "apertium-spa-ita apertium-eng-cat apertium-spa-cat"
)


def iso_code(code: str) -> str:
    """``"eng"`` → ``"en"``; a two-letter code, or one with no 639-1 form, as it is."""
    code = code.lower()
    return _ISO_639_1.get(code, code)


@cache
def installed_modes(command: str) -> dict[LanguagePair, str]:
    """The direct pairs the installed packages translate, each with its mode's name.

    Variants (``spa-cat_valencia``, ``es-pt_BR``) and debugging modes are left out:
    Hark asks for languages, not locales.
    """
    try:
        listed = subprocess.run(
            [command, "-l"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("apertium -l failed: %s", exc)
        return {}
    modes: dict[LanguagePair, str] = {}
    for mode in sorted(line.strip() for line in listed.splitlines()):
        parts = mode.split("-")
        if len(parts) != 2 or not all(part.isalpha() for part in parts):
            continue
        pair = (iso_code(parts[0]), iso_code(parts[1]))
        if pair[0] != pair[1]:
            modes.setdefault(pair, mode)
    return modes


@cache
def routes(command: str) -> dict[LanguagePair, tuple[str, ...]]:
    """Every pair reachable within ``MAX_HOPS`` installed pairs → the modes to run in
    turn, by breadth-first search from each language (so the shortest chain wins)."""
    modes = installed_modes(command)
    onward: dict[str, list[str]] = {}
    for source, target in sorted(modes):
        onward.setdefault(source, []).append(target)
    found: dict[LanguagePair, tuple[str, ...]] = {}
    for start in sorted(onward):
        chains: dict[str, tuple[str, ...]] = {start: ()}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            if len(chains[here]) >= MAX_HOPS:
                continue
            for there in onward.get(here, []):
                if there not in chains:
                    chains[there] = (*chains[here], modes[(here, there)])
                    queue.append(there)
        for end, chain in chains.items():
            if chain:
                found[(start, end)] = chain
    return found


class ApertiumTranslator(TranslatorBase):
    @classmethod
    def describe(cls) -> TranslatorInfo:
        return TranslatorInfo(
            name=NAME,
            label="Apertium (rule-based, on this server)",
            price_per_word=price_per_word(NAME),
            quality_rank=1,
            speed_rank=5,
            notes=(
                "Rule-based translation on this server: fast and private, best between "
                "closely related languages (Spanish, Catalan, Portuguese, Italian)."
            ),
            upstream=False,
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        command = settings.HARK_APERTIUM_COMMAND
        if shutil.which(command) is None:
            return f"Apertium is not installed: {INSTALL} (bin/run does it as root)."
        if not installed_modes(command):
            return f"Apertium has no language pairs installed: {INSTALL}."
        return None

    @classmethod
    def pairs(cls) -> frozenset[LanguagePair]:
        if shutil.which(settings.HARK_APERTIUM_COMMAND) is None:
            return frozenset()
        return frozenset(routes(settings.HARK_APERTIUM_COMMAND))

    def translate(self, segments: Sequence[TextSegment], source: str, target: str) -> list[str]:
        """Translate in as few Apertium runs as the text allows (one per pair of the chain
        for every 100,000 characters); segment by segment if a run loses a block."""
        self.check(segments, source, target)
        if source == target:
            return [segment.text for segment in segments]
        chain = routes(settings.HARK_APERTIUM_COMMAND)[(source, target)]
        texts = [segment.text.strip() for segment in segments]
        out = ["" for _ in segments]
        to_do = [TextSegment(str(index), text) for index, text in enumerate(texts) if text]
        for batch in batches(to_do, max_segments=len(to_do), max_chars=_BATCH_CHARS):
            translated = _translate_blocks([s.text for s in batch], chain)
            if translated is None:
                logger.warning("apertium lost blocks of a batch; translating one by one")
                translated = [_translate_one(s.text, chain) for s in batch]
            for segment, text in zip(batch, translated, strict=True):
                out[int(segment.id)] = text
        return out


def _translate_blocks(texts: list[str], chain: tuple[str, ...]) -> list[str] | None:
    """The texts translated in one run per mode, or None when the blocks that came back
    are not one per text."""
    document = html_document(texts)
    for mode in chain:
        document = _run(mode, document)
    blocks = _BLOCK.findall(document)
    if len(blocks) != len(texts):
        return None
    return [_plain(block) for block in blocks]


def html_document(texts: list[str]) -> str:
    """The texts as the HTML document Apertium is given: a ``<p>`` block each."""
    return "\n".join(f"<p>{html.escape(text, quote=False)}</p>" for text in texts)


def _translate_one(text: str, chain: tuple[str, ...]) -> str:
    translated = _translate_blocks([text], chain)
    if translated is None:
        raise ProviderError("Apertium could not translate a segment of this text.")
    return translated[0]


def _plain(block: str) -> str:
    # Any tags Apertium added are dropped; entities become characters again.
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", block)).split())


def _run(mode: str, document: str) -> str:
    warm = mode_file(mode)
    if warm is not None:
        try:
            return warm_translate(mode, warm, document)
        except WarmStartFailed as exc:
            logger.warning("%s %s; running apertium for this document", exc, exc.detail)
    seconds = settings.HARK_TRANSLATION_TIMEOUT_SECONDS
    try:
        # -u: unknown words come back as they are, not marked with "*".
        done = subprocess.run(
            [settings.HARK_APERTIUM_COMMAND, "-u", "-f", "html", mode],
            input=document,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=seconds,
        )
    except subprocess.TimeoutExpired as exc:
        raise ProviderError(f"Apertium did not finish within {seconds} seconds.") from exc
    except OSError as exc:
        raise ProviderError(
            "Apertium is not installed on this server.", permanent=True, detail=repr(exc)
        ) from exc
    if done.returncode != 0:
        # A crash or a killed process: the same text may well go through next time.
        raise ProviderError(f"Apertium failed translating with {mode}.", detail=done.stderr[-500:])
    return done.stdout
