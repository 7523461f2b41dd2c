"""Tests for app.photos.storage."""

from __future__ import annotations

import hashlib
import os

import pytest

from app.photos import storage as storage_module
from app.photos.storage import FileSystemStorage, PhotoStorage, StoredFile, content_key

DATA = b"\xff\xd8 pretend this is a JPEG \xff\xd9"
DIGEST = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path):
    return FileSystemStorage(tmp_path / "photos" / "nested")  # does not exist yet


def all_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_satisfies_protocol(store):
    assert isinstance(store, PhotoStorage)


def test_put_open_exists_delete(store):
    stored = store.put(DATA)
    assert stored == StoredFile(key=f"{DIGEST}.jpg", created=True)
    assert stored.key == content_key(DATA)
    assert store.exists(stored.key)
    assert store.open(stored.key) == DATA

    path = store.path(stored.key)
    assert path == store.root / DIGEST[:2] / DIGEST[2:4] / stored.key
    assert path.read_bytes() == DATA
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)

    store.delete(stored.key)
    assert not store.exists(stored.key)
    with pytest.raises(KeyError):
        store.open(stored.key)
    with pytest.raises(KeyError):
        store.path(stored.key)
    store.delete(stored.key)  # missing: no error


def test_put_is_idempotent(store):
    first = store.put(DATA)
    second = store.put(DATA)
    assert first.created is True
    assert second.created is False
    assert first.key == second.key
    assert all_files(store.root) == [store.path(first.key)]


def test_different_content_gets_different_keys(store):
    a = store.put(b"a")
    b = store.put(b"b")
    assert a.key != b.key
    assert store.open(a.key) == b"a" and store.open(b.key) == b"b"


def test_suffixes(tmp_path):
    store = FileSystemStorage(tmp_path, suffixes={".jpg", ".webp"})
    assert store.put(DATA, ".webp").key == f"{DIGEST}.webp"
    with pytest.raises(ValueError):
        store.put(DATA, ".php")
    with pytest.raises(ValueError):
        store.put(DATA, "/../x")
    with pytest.raises(ValueError):
        FileSystemStorage(tmp_path, suffixes={"/.jpg"})


BAD_KEYS = [
    "",
    "../../etc/passwd",
    f"../{DIGEST}.jpg",
    f"{DIGEST[:2]}/{DIGEST}.jpg",
    f"/{DIGEST}.jpg",
    f"{DIGEST}.jpg\n",
    f"{DIGEST}.jpg/..",
    f"{DIGEST.upper()}.jpg",
    f"{DIGEST}.JPG",
    f"{DIGEST}",
    f"{DIGEST}.php",
    f"{DIGEST[:-1]}.jpg",
    f"{DIGEST}0.jpg",
    f"{DIGEST}.jpg\x00",
    "..",
    ".",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_rejected(store, key):
    store.put(DATA)  # something real exists in the tree
    with pytest.raises(KeyError):
        store.open(key)
    with pytest.raises(KeyError):
        store.path(key)
    assert store.exists(key) is False
    store.delete(key)  # ignored
    assert store.exists(f"{DIGEST}.jpg")


def test_non_string_key_is_rejected(store):
    with pytest.raises(KeyError):
        store.open(None)  # type: ignore[arg-type]
    assert store.exists(123) is False  # type: ignore[arg-type]


def test_traversal_cannot_read_outside_root(tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"secret")
    store = FileSystemStorage(tmp_path / "root")
    store.put(DATA)
    with pytest.raises(KeyError):
        store.open("../secret.jpg")


def test_atomic_write_leaves_no_temp_files(store):
    for i in range(5):
        store.put(f"photo {i}".encode())
    store.put(b"photo 0")
    names = [p.name for p in all_files(store.root)]
    assert len(names) == 5
    assert not [n for n in names if n.startswith(".tmp-") or n.endswith(".part")]


def test_failed_write_leaves_nothing_behind(store, monkeypatch):
    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(storage_module.os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        store.put(DATA)
    assert all_files(store.root) == []
    assert not store.exists(f"{DIGEST}.jpg")


def test_falls_back_to_replace_without_hard_links(store, monkeypatch):
    def no_links(src, dst):
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(storage_module.os, "link", no_links)
    assert store.put(DATA).created is True
    assert store.put(DATA).created is False
    assert store.open(f"{DIGEST}.jpg") == DATA
    assert len(all_files(store.root)) == 1


def test_concurrent_put_reports_created_once(store, monkeypatch):
    # Simulate another writer finishing between our exists() check and the final link.
    real_link = os.link

    def racing_link(src, dst):
        with open(dst, "wb") as fh:
            fh.write(DATA)
        return real_link(src, dst)

    monkeypatch.setattr(storage_module.os, "link", racing_link)
    assert store.put(DATA).created is False
    assert store.open(f"{DIGEST}.jpg") == DATA
    assert len(all_files(store.root)) == 1
