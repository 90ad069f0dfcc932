"""Which Whisper model this installation runs, whether it can, and loading it once per
process.

``HARK_WHISPER_MODEL`` is ``base`` (the bundled, verified model), the path of a
converted model folder the operator provisioned, or a Hugging Face Hub name ("small",
"large-v3") that is fetched only when ``HARK_WHISPER_DOWNLOAD=true``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from jobs.engines.base import ProviderError
from jobs.engines.whisper import bundled

# Checking for the model touches the file system; routing asks on every request.
_CHECK_SECONDS = 30.0
_checked: dict[tuple[object, ...], tuple[float, str | None]] = {}
# A model takes about a second and a few hundred megabytes to load: one per process.
_models: dict[tuple[object, ...], Any] = {}
_models_lock = threading.Lock()


def model_name() -> str:
    return settings.HARK_WHISPER_MODEL or bundled.NAME


def is_bundled() -> bool:
    return model_name() == bundled.NAME


def unavailable_reason() -> str | None:
    """Why Whisper cannot serve now, for the operator; None when it can. Cached briefly."""
    key = (
        model_name(),
        settings.HARK_WHISPER_DOWNLOAD_ROOT,
        settings.HARK_WHISPER_DOWNLOAD,
    )
    cached = _checked.get(key)
    if cached is not None and time.monotonic() - cached[0] < _CHECK_SECONDS:
        return cached[1]
    reason = _unavailable()
    _checked[key] = (time.monotonic(), reason)
    return reason


def forget_checks() -> None:
    """Drop cached availability answers (after provisioning, and between tests)."""
    _checked.clear()


def _unavailable() -> str | None:
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return "faster-whisper is not installed: pip install -e . (it is a dependency)."
    if is_bundled():
        try:
            bundled.bundled_provision()
        except ModelIntegrityError as exc:
            return exc.message
        return None
    name = model_name()
    if _model_location(name) is not None or settings.HARK_WHISPER_DOWNLOAD:
        return None
    return (
        f"The Whisper model '{name}' is not on this machine (looked in "
        f"{settings.HARK_WHISPER_DOWNLOAD_ROOT}) and downloading is off "
        "(HARK_WHISPER_DOWNLOAD=false). Provision it as the README's Providers section "
        "describes, use the bundled model (HARK_WHISPER_MODEL=base), or allow the download."
    )


ModelIntegrityError = bundled.ModelIntegrityError


def _model_location(name: str) -> str | None:
    """The folder of a non-bundled model if it is on this machine, else None."""
    path = Path(name).expanduser()
    if path.is_absolute() or name.startswith("."):
        return str(path) if (path / "model.bin").is_file() else None
    from faster_whisper.utils import download_model

    try:
        found: str = download_model(
            name, local_files_only=True, cache_dir=settings.HARK_WHISPER_DOWNLOAD_ROOT
        )
    except Exception:  # huggingface_hub raises several kinds of "not here"
        return None
    return found if (Path(found) / "model.bin").is_file() else None


def load_model() -> Any:
    """This process's WhisperModel; ProviderError (transient: another engine may serve)
    when it cannot be loaded, including when the bundled files fail their checksums."""
    name = model_name()
    key = (
        name,
        settings.HARK_WHISPER_DOWNLOAD_ROOT,
        settings.HARK_WHISPER_DEVICE,
        settings.HARK_WHISPER_COMPUTE_TYPE,
        settings.HARK_WHISPER_THREADS,
    )
    with _models_lock:
        if key not in _models:
            _models[key] = _load(name)
        return _models[key]


def _load(name: str) -> Any:
    try:
        if is_bundled():
            folder = bundled.bundled_provision()
            # Every process checks the bytes it is about to run, not only the stamp.
            bundled.bundled_verify(folder, full=True)
            location = str(folder)
        else:
            location = _model_location(name) or name
    except ModelIntegrityError as exc:
        raise ProviderError(
            "The Whisper engine is not available on this server right now.", detail=exc.message
        ) from exc
    try:
        from faster_whisper import WhisperModel

        return WhisperModel(
            location,
            device=settings.HARK_WHISPER_DEVICE,
            compute_type=settings.HARK_WHISPER_COMPUTE_TYPE,
            cpu_threads=settings.HARK_WHISPER_THREADS,
            download_root=settings.HARK_WHISPER_DOWNLOAD_ROOT,
            local_files_only=not settings.HARK_WHISPER_DOWNLOAD,
        )
    except Exception as exc:  # any failure to load: another engine may serve
        raise ProviderError(
            f"The Whisper model '{Path(name).name}' could not be loaded.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
