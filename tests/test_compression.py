"""What a phone receives: pages and scripts gzipped (one ordinary gzip stream), pictures as they are."""

import gzip
import zlib


async def raw(client, path: str, encoding: str = "gzip"):
    """The answer as sent, before httpx decodes it."""
    async with client.stream("GET", path, headers={"accept-encoding": encoding}) as response:
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


def gunzip_one_stream(body: bytes) -> bytes:
    """Decodes like a browser that reads only the first gzip member: nothing may follow it."""
    decoder = zlib.decompressobj(31)
    page = decoder.decompress(body) + decoder.flush()
    assert decoder.eof and decoder.unused_data == b""
    return page


async def test_pages_arrive_gzipped_and_read_the_same_in_each_language(client, people, settings):
    await people.somsri.sign_in(settings, client)
    for path in ("/", "/attendance", "/records/999999"):  # two pages sharing their opening, and a refusal
        response, sent = await raw(client, path)
        assert response.headers["content-encoding"] == "gzip" and "Accept-Encoding" in response.headers["vary"]
        assert int(response.headers["content-length"]) == len(sent)
        _, plain = await raw(client, path, encoding="identity")
        assert gunzip_one_stream(sent) == plain and "</style>" in plain.decode()
        assert len(sent) < len(plain) / 2
    client.cookies.delete("doolae_session")
    client.cookies.set("lang", "en")
    response, sent = await raw(client, "/signin")
    assert 'lang="en"' in gunzip_one_stream(sent).decode() and "Sign in" in gunzip_one_stream(sent).decode()


async def test_scripts_are_gzipped_but_pictures_are_sent_as_they_are(client):
    response, sent = await raw(client, "/static/app.js")
    assert response.headers["content-encoding"] == "gzip"
    assert gunzip_one_stream(sent) == (await client.get("/static/app.js", headers={"accept-encoding": ""})).content
    response, sent = await raw(client, "/static/icons/icon-192.png")
    assert "content-encoding" not in response.headers and sent.startswith(b"\x89PNG")


async def test_htmx_goes_as_small_as_gzip_makes_it_and_the_same_each_time(client):
    """The largest file of a first load: every byte costs a phone on 3G."""
    plain = (await client.get("/static/vendor/htmx-2.0.11.min.js", headers={"accept-encoding": ""})).content
    _, first = await raw(client, "/static/vendor/htmx-2.0.11.min.js")
    _, again = await raw(client, "/static/vendor/htmx-2.0.11.min.js")
    assert gunzip_one_stream(first) == plain and again == first
    assert len(first) <= len(gzip.compress(plain, 9)) + 16


async def test_nothing_is_gzipped_for_a_client_that_does_not_ask(client):
    response, sent = await raw(client, "/signin", encoding="identity")
    assert "content-encoding" not in response.headers and sent.startswith(b"<!doctype html>")
