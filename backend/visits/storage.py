"""Where visit photos live: files on disk by default (var/photos), or an S3-compatible bucket (PHOTO_STORE).

Both stores answer the same three calls by key; get() of a key that is not there raises FileNotFoundError."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from backend.config import Settings


class PhotoStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


class DiskStore:
    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("photo key escapes the store")
        return path

    async def put(self, key: str, data: bytes) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")  # a crash mid-write never leaves half a photo under its key
            partial.write_bytes(data)
            partial.replace(path)

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Store:
    """A bucket of any S3-compatible service (Fly.io's Tigris, AWS, MinIO). boto3 finds the endpoint and keys
    the standard way (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); its
    calls block, so each runs in a thread."""

    def __init__(self, bucket: str, prefix: str = "", region: str | None = None):
        try:  # only a server that stores photos in a bucket loads (or installs) boto3
            import boto3
            from botocore.config import Config
        except ImportError as missing:
            raise RuntimeError("PHOTO_STORE names a bucket, but boto3 is not installed: "
                               "pip install -r requirements-s3.lock (or doolae[s3])") from missing

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # Short timeouts and a few retries: a teacher's upload waits on this, and the phone retries anyway.
        self.client = boto3.session.Session().client("s3", region_name=region, config=Config(
            connect_timeout=5, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"}))
        self.missing = self.client.exceptions.NoSuchKey

    @classmethod
    def from_url(cls, url: str, region: str | None = None) -> "S3Store":
        """s3://bucket or s3://bucket/prefix"""
        parts = urlsplit(url)
        return cls(parts.netloc, parts.path, region)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self.client.put_object, Bucket=self.bucket, Key=self.prefix + key, Body=data)

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            except self.missing as missing:
                raise FileNotFoundError(key) from missing
            return answer["Body"].read()

        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        # S3 answers a delete of a missing key with success, as DiskStore does.
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self.prefix + key)


def open_photo_store(settings: Settings) -> PhotoStore:
    if settings.photo_store.startswith("s3://"):
        return S3Store.from_url(settings.photo_store, settings.photo_store_region)
    return DiskStore(Path(settings.photo_dir))
