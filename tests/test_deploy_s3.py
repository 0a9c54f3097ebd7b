"""`invoke deploy --to s3://BUCKET/PREFIX --endpoint-url URL`: boto3
against moto's standalone server on 127.0.0.1 (the S3 wire protocol), the
objects and their headers read back over HTTP (presigned GETs): the
Content-Type and Cache-Control of every kind of file, a change found by its
MD5 so an unchanged file is not uploaded again, and nothing outside the
prefix, or not uploaded by Mirsad, deleted."""

from __future__ import annotations

import urllib.request

import pytest
from deploy_support import PUBLISHED, deploy, files_under, project, publish_build

from mirsad.deploy.api import MANIFEST, DeployError
from mirsad.deploy.files import local_files
from mirsad.deploy.s3 import S3Target

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

SHORT, LONG = "public, max-age=300", "public, max-age=604800"
# What every kind of file the build writes must be served with.
HEADERS = {
    "theme/fonts/noto-naskh-arabic-arabic-400-normal.woff2": ("font/woff2", LONG),
    "theme/css/mirsad.css": ("text/css; charset=utf-8", LONG),
    "images/briefing.pdf": ("application/pdf", LONG),
    "ar/search-index.js": ("text/javascript; charset=utf-8", SHORT),
    "ar/briefings/b1.html": ("text/html; charset=utf-8", SHORT),
    "ar/feed.atom.xml": ("application/atom+xml", SHORT),
    "sitemap.xml": ("application/xml", SHORT),
    "images/data.json": ("application/json", SHORT),
    "images/archive.zip": ("application/zip", SHORT),
}


@pytest.fixture
def store(monkeypatch, tmp_path):
    """A moto S3 server on 127.0.0.1 with an empty bucket `site`; test credentials in the environment."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto keeps its buckets per process, across servers: start from none
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST")).close()
    client = boto3.client("s3", endpoint_url=url)
    client.create_bucket(Bucket="site")
    yield url, client
    server.stop()


@pytest.fixture
def built(tmp_path, monkeypatch):
    monkeypatch.setenv("MIRSAD_SITEURL", PUBLISHED)
    site = project(tmp_path / "project")
    images = site.root / "content" / "images"  # STATIC_PATHS: copied into the build as they are
    images.mkdir(parents=True)
    (images / "briefing.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    (images / "data.json").write_text('{"a": 1}')
    (images / "archive.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    publish_build(site)
    return site


def get(client, key: str):
    """An object as a browser gets it: over HTTP, with its headers."""
    url = client.generate_presigned_url("get_object", Params={"Bucket": "site", "Key": key})
    with urllib.request.urlopen(url) as answer:
        return answer.read(), answer.headers


def keys(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket="site").get("Contents", [])}


def test_every_file_is_uploaded_with_its_content_type_and_cache_control(built, store):
    url, client = store
    result, lines = deploy(built, "s3://site/www", config={"endpoint_url": url})
    site_files = files_under(built.output)
    assert keys(client) == {f"www/{name}" for name in [*site_files, MANIFEST]}
    assert result.uploaded == len(site_files) and result.bytes == sum(map(len, site_files.values()))
    assert [line.split()[2] for line in lines] == ["assets", "pages", "feeds"]  # assets before pages
    for name, (kind, cache) in HEADERS.items():
        body, headers = get(client, f"www/{name}")
        assert body == site_files[name], name
        assert (headers["Content-Type"], headers["Cache-Control"]) == (kind, cache), name
    for name, data in site_files.items():
        assert get(client, f"www/{name}")[0] == data


def test_a_second_run_uploads_nothing_and_a_change_uploads_only_that_file(built, store):
    url, client = store
    first, _ = deploy(built, "s3://site/www", config={"endpoint_url": url})
    again, lines = deploy(built, "s3://site/www", config={"endpoint_url": url})
    assert (again.uploaded, again.deleted, again.unchanged) == (0, 0, first.uploaded) and lines == []

    (built.root / "content" / "images" / "data.json").write_text('{"a": 2}')
    publish_build(built)
    dry, listed = deploy(built, "s3://site/www", config={"endpoint_url": url}, dry_run=True)
    assert listed == ["upload images/data.json (8 bytes)"] and dry.uploaded == 1
    assert get(client, "www/images/data.json")[0] == b'{"a": 1}'  # the dry run changed nothing
    changed, _ = deploy(built, "s3://site/www", config={"endpoint_url": url})
    assert (changed.uploaded, changed.bytes) == (1, 8)
    assert get(client, "www/images/data.json")[0] == b'{"a": 2}'


def test_deletes_only_what_it_uploaded_under_its_prefix(built, store):
    url, client = store
    client.put_object(Bucket="site", Key="www/robots.txt", Body=b"another tool's")
    client.put_object(Bucket="site", Key="other/ar/briefings/b2.html", Body=b"another site")
    deploy(built, "s3://site/www", config={"endpoint_url": url})
    (built.root / "content" / "briefings" / "b2.md").unlink()
    publish_build(built)
    result, lines = deploy(built, "s3://site/www/", config={"endpoint_url": url})
    assert result.deleted == 1 and lines[-1].startswith("deleting 1 files")
    assert "www/ar/briefings/b2.html" not in keys(client)
    assert {"www/robots.txt", "other/ar/briefings/b2.html"} <= keys(client)


def test_an_interrupted_deploy_converges_on_the_next_run(built, store):
    url, client = store
    target = S3Target("s3://site/www", url, {"short": SHORT, "long": LONG})
    files = local_files(built.output)
    plan = target.plan(files)
    target.write_manifest({file.name: target.intended(file) for file in plan.uploads})  # what apply() does first
    target.upload(plan.uploads[:5])  # then it was stopped
    result, _ = deploy(built, "s3://site/www", config={"endpoint_url": url})
    assert result.uploaded == len(files) - 5 and result.unchanged == 5
    assert keys(client) == {f"www/{name}" for name in [*files, MANIFEST]}


def test_a_store_that_refuses_the_credentials_stops_with_a_message_without_them(built, store, monkeypatch):
    url, client = store
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-print-me")
    with pytest.raises(DeployError) as refused:
        deploy(built, "s3://no-such-bucket/www", config={"endpoint_url": url})
    assert "reading the bucket failed" in str(refused.value) and "do-not-print-me" not in str(refused.value)
