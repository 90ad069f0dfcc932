"""Media from a URL: the request creates a job in ``fetching`` and answers at once; a
worker fetches the media into a temporary file, then prices, holds and queues it exactly
like an upload (``media_admitted``, the part ``job_create`` shares); if anything fails,
the job fails with the reason and nothing is stored or charged. GoTranscript's orders
fetch in the request (``media_fetch``), since they answer the price at once.

Direct links to audio or video are streamed through the SSRF guard (``lib.outbound``:
public addresses only, the connection pinned to the vetted address, every redirect
vetted again) with the upload size cap and a deadline for the whole download. Pages of
video sites (YouTube and the others in ``HARK_URL_EXTRACTORS``) are read by yt-dlp,
restricted to those sites' extractors: its "generic" extractor, which would fetch any
page it is given, is never loaded. yt-dlp's own requests (the page, the site's APIs,
every redirect) are made through the same guard (``lib.ytdlp_transport``: its only
request handler, pinned, no proxies, each response capped and all of them bounded by
the deadline). yt-dlp only finds the media; the media itself is downloaded through the
guard like a direct link.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings

from accounts.models import ApiKey, Organization, User
from jobs.errors import JobError
from jobs.lifecycle.common import JobLost
from jobs.lifecycle.fetching import (
    job_fetch_claim,
    job_fetch_settle,
    job_fetch_start,
    job_fetched,
)
from jobs.lifecycle.transcription import Claim
from jobs.models import TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.organization_data.defaults import options_with_organization_defaults
from jobs.routing import route_plan
from jobs.services.intake import (
    max_upload_bytes,
    media_admitted,
    requested_fields,
    translation_check,
)
from jobs.services.worker import job_route
from lib import outbound

logger = logging.getLogger(__name__)

# Each network operation (connect, one read); the whole download has HARK_URL_FETCH_SECONDS.
_STEP_SECONDS = 30.0
# The most yt-dlp may read of one page or API answer (a video page is a few MB at most).
PAGE_MAX_BYTES = 32 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
# An entry of HARK_URL_EXTRACTORS that names a class (an operator's own extractor).
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


class UrlIntakeFailed(JobError):
    """The URL could not be turned into media; ``message`` says why, for the customer."""


@dataclass(frozen=True)
class FetchedMedia:
    path: Path
    filename: str


def job_create_from_url(
    *,
    organization: Organization,
    url: str,
    options: TranscriptionOptions,
    created_by: User | None = None,
    api_key: ApiKey | None = None,
) -> TranscriptionJob:
    """Create ``url``'s job in ``fetching``, at once: a worker fetches, prices, holds and
    queues it (``job_fetch_run``), so no web thread waits on a remote server.

    Only what needs no network is checked here, as a 400: options no engine can serve,
    a translation nothing can make (InvalidJobRequest), and a URL the SSRF guard refuses
    by its form alone (not http(s), a malformed host, a private address written
    literally: UrlIntakeFailed, in the words the fetch would use). A name that resolves
    to a private address, a URL that is unreachable, too large or too long, or not
    media, and a wallet that cannot pay once the price is known, fail the job uncharged
    with the sentence that says why.
    """
    _refused_by_form(url)
    options = options_with_organization_defaults(options, organization)
    translation_check(options)
    route = route_plan(options)
    job = TranscriptionJob(
        organization=organization,
        created_by=created_by if created_by and created_by.pk else None,
        api_key=api_key,
        source_url=url,
        engine=route.engine,
        language=route.language,
        route=list(route.providers),
        translate_to=options.translate_to,
        trim_start=options.trim_start or 0.0,
        trim_end=options.trim_end,
        # What the link's path calls it, until the download says better.
        original_filename=_name_in(url),
        **requested_fields(options, route),
    )
    return job_fetch_start(job)


def _refused_by_form(url: str) -> None:
    try:
        outbound.vet_url_form(url)
    except outbound.OutboundRefused as exc:
        raise _refused(exc) from None


def _refused(exc: outbound.OutboundRefused) -> UrlIntakeFailed:
    return UrlIntakeFailed(f"This URL cannot be fetched. {exc.message}")


def job_fetch_run(job_id: str) -> None:
    """The worker's side of a URL job: fetch its media, then price, hold and queue it
    exactly as ``job_create`` does for an upload; safe to call any number of times."""
    claim = job_fetch_claim(job_id)
    if claim is None:
        logger.info("job %s is not fetching (fetched, canceled or leased); skipping", job_id)
        return
    job_fetch_settle(claim, lambda: _job_fetch_work(claim))


def _job_fetch_work(claim: Claim) -> bool:
    job = claim.job
    with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        media = media_fetch(job.source_url, Path(folder))
        with media_admitted(
            organization=job.organization,
            job_id=job.pk,
            path=media.path,
            filename=media.filename,
            options=job_requested_options(job),
            route=job_route(job),
        ) as admitted:
            if not job_fetched(claim, admitted):
                # Canceled (or deleted) while downloading: the stored copy goes too.
                raise JobLost()
    return True


def job_requested_options(job: TranscriptionJob) -> TranscriptionOptions:
    """The options a fetching job was asked with, as its columns keep them."""
    return TranscriptionOptions(
        model=job.engine,
        language=job.language,
        job_type=job.job_type,
        diarization=job.diarization,
        timestamps=job.timestamps,
        word_timestamps=job.word_timestamps,
        summary=job.summary_requested,
        vocabulary=tuple(job.vocabulary),
        webhook_url=job.webhook_url,
        prefer=job.prefer,
        trim_start=job.trim_start,
        trim_end=job.trim_end,
        task=job.task,
        translate_to=job.translate_to,
        prompt=job.prompt,
        max_speakers=job.max_speakers,
    )


def _name_in(url: str) -> str:
    name = _SAFE_NAME.sub("_", unquote(urlsplit(url).path.rsplit("/", 1)[-1])).strip(" ._")
    return name[:200] or urlsplit(url).hostname or "media"


def media_fetch(url: str, folder: Path) -> FetchedMedia:
    """Download the media ``url`` points to (directly, or through an allowed site's
    page) into ``folder``."""
    try:
        outbound.vet_url(url)
        page = _site_page(url)
        if page is None:
            return _download(url, folder)
        return _download_from_page(url, page, folder)
    except outbound.OutboundRefused as exc:
        raise _refused(exc) from None
    except outbound.OutboundUnresolvable as exc:
        raise UrlIntakeFailed(f"This URL could not be reached: {exc.message}") from None
    except httpx.TooManyRedirects:
        raise UrlIntakeFailed("This URL redirects too many times.") from None
    except httpx.TimeoutException:
        raise UrlIntakeFailed(
            "The server behind this URL did not answer in time. Try again later, or upload "
            "the file."
        ) from None
    except httpx.HTTPError as exc:
        raise UrlIntakeFailed(f"This URL could not be reached ({type(exc).__name__}).") from None


def _download(url: str, folder: Path, *, headers: dict[str, str] | None = None) -> FetchedMedia:
    cap = max_upload_bytes()
    deadline = time.monotonic() + settings.HARK_URL_FETCH_SECONDS
    path = folder / "download"
    with outbound.stream(url, headers=headers, timeout=_STEP_SECONDS) as response:
        if response.status_code >= 400:
            raise UrlIntakeFailed(
                f"The server behind this URL answered HTTP {response.status_code}; "
                "check that the link works without logging in."
            )
        declared = int(response.headers.get("content-length") or 0)
        if declared > cap:
            raise _too_large()
        written = 0
        with path.open("wb") as out:
            for piece in response.iter_bytes():
                written += len(piece)
                if written > cap:
                    raise _too_large()
                if time.monotonic() > deadline:
                    raise UrlIntakeFailed(
                        f"Downloading this URL took longer than "
                        f"{settings.HARK_URL_FETCH_SECONDS} seconds. Upload the file instead."
                    )
                out.write(piece)
        name = _filename(response, str(response.url))
    if written == 0:
        raise UrlIntakeFailed("This URL led to an empty file.")
    return FetchedMedia(path, name)


def _too_large() -> UrlIntakeFailed:
    return UrlIntakeFailed(
        f"The media at this URL is larger than the {settings.HARK_MAX_UPLOAD_MB} MB limit."
    )


def _filename(response: httpx.Response, url: str) -> str:
    disposition = response.headers.get("content-disposition", "")
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition)
    raw = unquote(match.group(1)) if match else unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    name = _SAFE_NAME.sub("_", raw).strip(" ._")[:200]
    return name or urlsplit(url).hostname or "media"


# --- Video sites, through yt-dlp -----------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    extractor: str


def _extractors() -> list[type[Any]]:
    """The yt-dlp extractor classes allowed: named ones (matched whole, as yt-dlp's own
    ``allowed_extractors`` does) and dotted paths to extra classes."""
    from yt_dlp.extractor import gen_extractor_classes

    wanted = [name.lower() for name in settings.HARK_URL_EXTRACTORS if not _DOTTED.match(name)]
    found: list[type[Any]] = [
        cls
        for cls in gen_extractor_classes()
        if any(re.fullmatch(name, cls.IE_NAME.lower()) for name in wanted)
        and cls.IE_NAME.lower() != "generic"
    ]
    for dotted in (name for name in settings.HARK_URL_EXTRACTORS if _DOTTED.match(name)):
        module_name, _, class_name = dotted.rpartition(".")
        found.append(getattr(import_module(module_name), class_name))
    return found


def _site_page(url: str) -> _Page | None:
    for cls in _extractors():
        if cls.suitable(url):
            return _Page(str(cls.IE_NAME))
    return None


@contextmanager
def _youtube_dl() -> Iterator[Any]:
    from lib import ytdlp_transport  # imports yt-dlp: about half a second, only when used

    params = {
        "quiet": True,
        "no_warnings": True,
        "skip_download": True,
        "noplaylist": True,
        "socket_timeout": _STEP_SECONDS,
        "proxy": "",  # never a proxy from the environment
        "format": "bestaudio/best",
        "logger": logging.getLogger("yt_dlp"),
    }
    with ytdlp_transport.GuardedYoutubeDL(
        params,
        # yt-dlp reads pages and API answers whole into memory; media never comes this way.
        max_bytes=min(PAGE_MAX_BYTES, max_upload_bytes()),
        deadline=time.monotonic() + settings.HARK_URL_FETCH_SECONDS,
    ) as ydl:
        for cls in _extractors():
            ydl.add_info_extractor(cls())
        yield ydl


def _download_from_page(url: str, page: _Page, folder: Path) -> FetchedMedia:
    from yt_dlp.utils import YoutubeDLError

    try:
        with _youtube_dl() as ydl:
            info = ydl.extract_info(url, download=False)
    except YoutubeDLError as exc:
        raise _page_failure(exc, page) from None
    if not isinstance(info, dict) or not info.get("url"):
        raise UrlIntakeFailed(f"This {page.extractor} page has no audio we can download.")
    duration = info.get("duration")
    if duration and float(duration) > settings.HARK_MAX_DURATION_SECONDS:
        raise UrlIntakeFailed(
            f"This recording is {float(duration) / 60:.0f} minutes long; the limit is "
            f"{settings.HARK_MAX_DURATION_SECONDS / 60:.0f} minutes."
        )
    size = info.get("filesize") or info.get("filesize_approx")
    if size and int(size) > max_upload_bytes():
        raise _too_large()
    headers = {str(k): str(v) for k, v in (info.get("http_headers") or {}).items()}
    media = _download(str(info["url"]), folder, headers=headers)
    title = _SAFE_NAME.sub("_", str(info.get("title") or "")).strip(" ._")[:190]
    extension = _SAFE_NAME.sub("", str(info.get("ext") or ""))[:8]
    name = f"{title}.{extension}" if title and extension else media.filename
    return FetchedMedia(media.path, name)


def _page_failure(exc: Exception, page: _Page) -> Exception:
    """What to tell the customer when yt-dlp could not read ``page``: the guard's own
    refusal (the usual 400 of a refused URL) when that is what stopped it."""
    from lib import ytdlp_transport

    stop = ytdlp_transport.guard_stop(exc)
    if isinstance(stop, ytdlp_transport.RequestRefused | ytdlp_transport.HostUnresolvable):
        return stop.refusal  # media_fetch words it as for a direct link
    if isinstance(stop, ytdlp_transport.DeadlinePassed):
        return UrlIntakeFailed(
            f"Reading this {page.extractor} page took longer than "
            f"{settings.HARK_URL_FETCH_SECONDS} seconds. Upload the file instead."
        )
    if isinstance(stop, ytdlp_transport.ResponseTooLarge):
        return UrlIntakeFailed(f"This {page.extractor} page could not be read: {stop.msg}.")
    reason = re.sub(r"^ERROR: (\[[^\]]+\] )?", "", str(exc)).strip()
    return UrlIntakeFailed(f"This {page.extractor} page could not be read: {reason}")
