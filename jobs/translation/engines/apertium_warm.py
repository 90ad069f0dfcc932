"""Warm Apertium pipelines: each pair's programs started once per worker and fed one
document after another, instead of an ``apertium`` process per document.

Starting a pair costs about 0.15 s (a dozen programs loading their transducers) — as
much as translating a 10-minute transcript. Apertium's programs take ``-z`` for this:
they translate up to each NUL byte, flush, and wait for more. The pipeline is the one
``apertium -u -f html`` runs (from ``apertium-wblank-mode -z``, as ``apertium`` itself
gets it), so a warm document comes back byte for byte as a cold one does; the HTML
de- and re-formatters, which keep no state and start in milliseconds, run per document.

A warm pair holds about 195 MB per worker process. A pipeline idle for
``HARK_APERTIUM_WARM_SECONDS`` is stopped (0: never keep one, run ``apertium`` per
document); one that fails or overruns ``HARK_TRANSLATION_TIMEOUT_SECONDS`` is killed
and the next document starts a fresh one.
"""

from __future__ import annotations

import atexit
import os
import selectors
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

from jobs.engines.base import ProviderError

_WBLANK_MODE = "apertium-wblank-mode"
# Apertium's programs need a UTF-8 locale, whatever the worker was started with.
_ENV = {**os.environ, "LC_ALL": "C.UTF-8"}
_CHUNK = 65536


class WarmStartFailed(ProviderError):
    """A pair's programs could not be started to stay: run ``apertium`` for the
    document instead."""


_pipelines: dict[str, WarmPipeline] = {}
_pipelines_lock = threading.Lock()


def mode_file(mode: str) -> Path | None:
    """The mode's file when ``mode`` should run warm; None for a fresh ``apertium``."""
    if settings.HARK_APERTIUM_WARM_SECONDS <= 0 or shutil.which(_WBLANK_MODE) is None:
        return None
    path = Path(settings.HARK_APERTIUM_MODES_DIR) / f"{mode}.mode"
    return path if path.is_file() else None


def warm_translate(mode: str, path: Path, document: str) -> str:
    """``document`` (HTML) through the warm pipeline of ``mode``, started if need be."""
    with _pipelines_lock:
        pipeline = _pipelines.get(mode)
        if pipeline is None or not pipeline.alive():
            pipeline = _pipelines[mode] = WarmPipeline(mode, path)
    try:
        return pipeline.translate(document)
    except ProviderError:
        # Whatever went wrong may be in the pipeline's state: the next document gets a
        # fresh one.
        _forget(pipeline)
        pipeline.close()
        raise


def warm_pipelines_close() -> None:
    with _pipelines_lock:
        pipelines = list(_pipelines.values())
        _pipelines.clear()
    for pipeline in pipelines:
        pipeline.close()


atexit.register(warm_pipelines_close)


def _forget(pipeline: WarmPipeline) -> None:
    with _pipelines_lock:
        if _pipelines.get(pipeline.mode) is pipeline:
            del _pipelines[pipeline.mode]


class WarmPipeline:
    def __init__(self, mode: str, path: Path) -> None:
        self.mode = mode
        try:
            script = subprocess.run(
                [_WBLANK_MODE, "-z", str(path)],
                capture_output=True, text=True, check=True, timeout=30,
            ).stdout  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise WarmStartFailed(f"Apertium could not start {mode}.", detail=repr(exc)) from exc
        # What the programs say on failure, for the error's detail.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the pipeline
        # One process per program, piped straight into the next (no shell between: a
        # program that dies closes its pipes, and we see it at once). The mode's $1 is
        # the generator's option, -n: unknown words unmarked (-u); $2 the tagger's: none.
        self._processes: list[subprocess.Popen[bytes]] = []
        self._pid = os.getpid()
        self._busy = threading.Lock()
        self._idle_timer: threading.Timer | None = None
        try:
            for part in script.split("|"):
                argv = shlex.split(part.replace("$1", "-n").replace("$2", ""))
                previous = self._processes[-1] if self._processes else None
                self._processes.append(
                    subprocess.Popen(
                        argv,
                        stdin=previous.stdout if previous else subprocess.PIPE,
                        stdout=subprocess.PIPE, stderr=self._stderr, env=_ENV,
                        # One process group, apart from the worker's signals.
                        process_group=self._processes[0].pid if previous else 0,
                    )
                )  # fmt: skip
                if previous is not None and previous.stdout is not None:
                    previous.stdout.close()  # the next program's now, not ours
        except OSError as exc:
            self.close()
            raise WarmStartFailed(f"Apertium could not start {mode}.", detail=repr(exc)) from exc

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes]

    def alive(self) -> bool:
        # A pipeline inherited through a fork belongs to the parent.
        return self._pid == os.getpid() and all(p.poll() is None for p in self._processes)

    def translate(self, document: str) -> str:
        with self._busy:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            try:
                stream = _reformat("apertium-deshtml", document.replace("\0", "").encode())
                translated = self._exchange(stream + b"\0")
                return _reformat("apertium-rehtml", translated).decode("utf-8", "replace")
            finally:
                self._idle_timer = threading.Timer(settings.HARK_APERTIUM_WARM_SECONDS, self.expire)
                self._idle_timer.daemon = True
                self._idle_timer.start()

    def expire(self) -> None:
        """Stop the pipeline unless a document is going through it right now."""
        if not self._busy.acquire(blocking=False):
            return
        try:
            _forget(self)
            self.close()
        finally:
            self._busy.release()

    def close(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self._pid != os.getpid():
            return
        for process in self._processes:
            if process.poll() is None:
                process.kill()
        if self._processes:
            for pipe in (self._processes[0].stdin, self._processes[-1].stdout):
                if pipe is not None:
                    pipe.close()
        for process in self._processes:
            process.wait()  # reaped here: no zombies left behind
        self._stderr.close()

    def _exchange(self, data: bytes) -> bytes:
        """Write ``data`` while reading what comes back, up to the NUL that ends it."""
        seconds = settings.HARK_TRANSLATION_TIMEOUT_SECONDS
        deadline = time.monotonic() + seconds
        first, last = self._processes[0], self._processes[-1]
        assert first.stdin is not None
        assert last.stdout is not None
        writer, reader = first.stdin.fileno(), last.stdout.fileno()
        os.set_blocking(writer, False)
        pending = memoryview(data)
        received = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(writer, selectors.EVENT_WRITE)
            selector.register(reader, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProviderError(f"Apertium did not finish within {seconds} seconds.")
                for key, _ in selector.select(left):
                    if key.fd == writer:
                        try:
                            pending = pending[os.write(writer, pending[:_CHUNK]) :]
                        except BrokenPipeError:
                            raise self._failed() from None
                        if not pending:
                            selector.unregister(writer)
                        continue
                    chunk = os.read(reader, _CHUNK)
                    if not chunk:
                        raise self._failed()
                    received += chunk
                    if received.endswith(b"\0"):
                        return bytes(received[:-1])

    def _failed(self) -> ProviderError:
        # A crash or a killed program: the same text may well go through next time.
        self._stderr.seek(0)
        said = self._stderr.read()[-500:].decode("utf-8", "replace")
        return ProviderError(f"Apertium failed translating with {self.mode}.", detail=said)


def _reformat(program: str, data: bytes) -> bytes:
    try:
        done = subprocess.run(
            [program], input=data, capture_output=True,
            timeout=settings.HARK_TRANSLATION_TIMEOUT_SECONDS, env=_ENV,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProviderError(f"Apertium's {program} failed.", detail=repr(exc)) from exc
    if done.returncode != 0:
        raise ProviderError(f"Apertium's {program} failed.", detail=done.stderr[-500:].decode())
    return done.stdout
