"""Both photo stores keep, give back and forget a photo by key, and say the same when a key is not there."""

import pytest

from backend.visits.storage import DiskStore, S3Store, open_photo_store


@pytest.fixture(params=["disk", "s3"])
def store(request, settings):
    return request.getfixturevalue("s3_photos") if request.param == "s3" else open_photo_store(settings)


async def test_a_photo_is_kept_given_back_and_forgotten(store):
    key = "1/2/3f2a9c1e-photo"
    await store.put(key, b"\xff\xd8\xff first")
    await store.put(key, b"\xff\xd8\xff second")  # a key is written whole, the last write wins
    assert await store.get(key) == b"\xff\xd8\xff second"
    await store.delete(key)
    await store.delete(key)  # forgetting twice is no error
    with pytest.raises(FileNotFoundError):
        await store.get(key)


async def test_the_store_follows_the_settings(settings, s3_settings, s3_photos):
    assert isinstance(open_photo_store(settings), DiskStore)
    bucket = open_photo_store(s3_settings)
    assert isinstance(bucket, S3Store) and (bucket.bucket, bucket.prefix) == ("doolae-photos", "visits/")
    await bucket.put("9/9/x", b"photo")
    listed = bucket.client.list_objects_v2(Bucket="doolae-photos", Prefix="visits/9/9/")["Contents"]
    assert [item["Key"] for item in listed] == ["visits/9/9/x"]
    await bucket.delete("9/9/x")
