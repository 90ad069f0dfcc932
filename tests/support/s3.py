"""An S3-compatible server on a loopback port (moto in server mode), and Hark's media
storage pointed at it the way ``HARK_S3_BUCKET`` and ``HARK_S3_ENDPOINT_URL`` do."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

BUCKET = "hark-media-test"


@dataclass
class S3Server:
    endpoint: str
    bucket: str

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint)

    def keys(self) -> list[str]:
        answer = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def worker_env(self) -> dict[str, str]:
        """What a worker process needs to use this bucket, as an operator would set it."""
        return {"HARK_S3_BUCKET": self.bucket, "HARK_S3_ENDPOINT_URL": self.endpoint}


@pytest.fixture
def s3_media(settings, isolated_media, monkeypatch) -> Iterator[S3Server]:
    """Media in a bucket of a real S3-compatible server, for this process and (through
    ``worker_env``) for workers; the credentials are the usual ``AWS_*`` variables."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "hark-test",
        "AWS_SECRET_ACCESS_KEY": "hark-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    from moto.server import ThreadedMotoServer  # imported here: only these tests need it

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Server(endpoint=f"http://{host}:{port}", bucket=BUCKET)
    s3.client().create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3.bucket,
                "endpoint_url": s3.endpoint,
                "default_acl": None,
                "querystring_auth": True,
            },
        },
    }
    try:
        yield s3
    finally:
        server.stop()
