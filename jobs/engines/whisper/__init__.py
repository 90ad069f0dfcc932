"""Whisper on this server: the engine (``engine``), its bundled model (``bundled``,
``model``), and what makes it work on real recordings (``languages``, ``guards``,
``speakers``)."""

from __future__ import annotations

from jobs.engines.whisper.engine import WhisperEngine

__all__ = ["WhisperEngine"]
