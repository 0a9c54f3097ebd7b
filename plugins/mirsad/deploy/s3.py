"""Deploy to Amazon S3 or any S3-compatible store (`s3://BUCKET/PREFIX`,
`--endpoint-url`) with boto3: every object gets its Content-Type and
Cache-Control; a file is uploaded again only when its MD5, its headers or
the object changed since Mirsad uploaded it (the manifest keeps the MD5 and
ETag of each). Credentials are boto3's: the environment (AWS_ACCESS_KEY_ID,
AWS_PROFILE, ...) or ~/.aws/."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from .files import MANIFEST, LocalFile, cache_control, content_type, manifest_bytes, parse_manifest
from .plan import DeployError, Plan, StagedTarget

THREADS = 8  # uploads at once: S3 answers each request in tens of milliseconds
DELETE_BATCH = 1000  # S3's most keys per DeleteObjects request


def split_destination(destination: str) -> tuple[str, str]:
    """s3://BUCKET/PREFIX -> (BUCKET, "PREFIX/"), or (BUCKET, "") for the whole bucket."""
    parts = urlsplit(destination)
    if parts.scheme != "s3" or not parts.netloc:
        raise DeployError(f"{destination!r} is not an S3 address: write s3://BUCKET or s3://BUCKET/PREFIX.")
    prefix = parts.path.strip("/")
    return parts.netloc, prefix + "/" if prefix else ""


class S3Target(StagedTarget):
    def __init__(self, destination: str, endpoint_url: str | None, cache_policy: dict[str, str]):
        import boto3
        import botocore.exceptions

        self.errors = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)
        self.bucket, self.prefix = split_destination(destination)
        self.where = f"s3://{self.bucket}/{self.prefix}" + (f" at {endpoint_url}" if endpoint_url else "")
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self.cache_policy = cache_policy
        self.objects: dict[str, str] = {}  # name under the prefix -> ETag

    def failure(self, doing: str, error: Exception) -> DeployError:
        return DeployError(f"{self.where}: {doing} failed: {error}. Nothing was deleted; run the deploy again "
                           "once the cause is fixed (credentials come from the environment or ~/.aws/).")

    def headers(self, name: str) -> dict[str, str]:
        return {"content_type": content_type(name), "cache_control": cache_control(name, self.cache_policy)}

    def plan(self, files: dict[str, LocalFile]) -> Plan:
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    self.objects[item["Key"][len(self.prefix):]] = item["ETag"].strip('"')
            data = None
            if MANIFEST in self.objects:
                data = self.client.get_object(Bucket=self.bucket, Key=self.prefix + MANIFEST)["Body"].read()
        except self.errors as error:
            raise self.failure("reading the bucket", error) from None
        before = parse_manifest(data, f"s3://{self.bucket}/{self.prefix}{MANIFEST}")

        def unchanged(file: LocalFile) -> bool:
            """Uploaded by Mirsad with these bytes and headers, and not replaced since
            (an ETag is the MD5 of a plain upload; the manifest keeps it for stores
            where it is not, and for uploads an interrupted deploy left out of it)."""
            known = before.get(file.name) or {}
            return (file.name in self.objects and self.objects[file.name] in (known.get("etag"), file.md5)
                    and known.get("md5") == file.md5 and all(known.get(key) == value
                                                             for key, value in self.headers(file.name).items()))

        same = {name for name, file in files.items() if unchanged(file)}
        return Plan(uploads=[file for name, file in files.items() if name not in same],
                    unchanged=[name for name in files if name in same],
                    deletes=sorted(name for name in before if name not in files and name in self.objects),
                    before=before)

    def intended(self, file: LocalFile) -> dict[str, Any]:
        return {**file.entry(), **self.headers(file.name)}

    def put(self, file: LocalFile) -> dict[str, Any]:
        headers = self.headers(file.name)
        with open(file.path, "rb") as body:
            answer = self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + file.name, Body=body, ContentType=headers["content_type"],
                CacheControl=headers["cache_control"],
                ContentMD5=base64.b64encode(bytes.fromhex(file.md5)).decode())  # the store checks what it got
        return {**file.entry(), **headers, "etag": answer["ETag"].strip('"')}

    def upload(self, files: list[LocalFile]) -> dict[str, dict[str, Any]]:
        try:
            with ThreadPoolExecutor(THREADS) as pool:
                return dict(zip([file.name for file in files], pool.map(self.put, files)))
        except self.errors as error:
            raise self.failure("uploading", error) from None

    def delete(self, names: list[str]) -> int:
        try:
            for start in range(0, len(names), DELETE_BATCH):
                keys = [{"Key": self.prefix + name} for name in names[start:start + DELETE_BATCH]]
                answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
                if answer.get("Errors"):
                    raise DeployError(f"{self.where}: S3 refused to delete {answer['Errors'][0]['Key']}: "
                                      f"{answer['Errors'][0].get('Message')}")
        except self.errors as error:
            raise self.failure("deleting", error) from None
        return len(names)

    def write_manifest(self, entries: dict[str, dict[str, Any]]) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + MANIFEST, Body=manifest_bytes(entries),
                                   ContentType="application/json", CacheControl="no-cache")
        except self.errors as error:
            raise self.failure("writing the manifest", error) from None
