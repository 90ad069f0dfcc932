"""A yt-dlp extractor for a video "site" on a loopback server, so the yt-dlp path of
URL intake runs for real without the internet: yt-dlp reads the watch page's metadata
(``/api/videos/<id>``) and Hark downloads the format it picks, through the SSRF guard.

Enabled in tests by adding ``tests.upstreams.tube.LoopbackTubeIE`` to
``HARK_URL_EXTRACTORS``."""

from __future__ import annotations

from typing import Any

from yt_dlp.extractor.common import InfoExtractor


class LoopbackTubeIE(InfoExtractor):
    IE_NAME = "loopbacktube"
    _VALID_URL = r"https?://127\.0\.0\.1:\d+/watch\?v=(?P<id>[\w-]+)"

    def _real_extract(self, url: str) -> dict[str, Any]:
        video_id = self._match_id(url)
        base = url.split("/watch", 1)[0]
        meta = self._download_json(f"{base}/api/videos/{video_id}", video_id)
        return {
            "id": video_id,
            "title": meta["title"],
            "duration": meta["duration"],
            "formats": [
                {"format_id": "audio", "url": f"{base}{meta['audio_path']}", "ext": "mp3",
                 "acodec": "mp3", "vcodec": "none", "abr": 64,
                 "http_headers": {"Referer": url}},
            ],
        }  # fmt: skip
