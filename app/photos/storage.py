"""Content-addressed photo storage.

A key is the SHA-256 hex digest of the content plus a suffix (``<64 hex>.jpg``). The same
bytes therefore always get the same key, and storing them twice is a no-op. Keys are
validated strictly, so one taken from a URL can never point outside the storage root.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pathlib
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = [
    "DEFAULT_SUFFIXES",
    "FileSystemStorage",
    "PhotoStorage",
    "StoredFile",
    "content_key",
]

DEFAULT_SUFFIXES: frozenset[str] = frozenset({".jpg"})

_SUFFIX_RE = re.compile(r"\.[a-z0-9]{1,8}")
_KEY_RE = re.compile(r"([0-9a-f]{64})(\.[a-z0-9]{1,8})")


@dataclass(frozen=True)
class StoredFile:
    """Result of :meth:`PhotoStorage.put`.

    ``created`` is False when identical content was already stored: the file belongs to
    someone else too, so a caller rolling back must not delete it.
    """

    key: str
    created: bool


@runtime_checkable
class PhotoStorage(Protocol):
    """What the app needs from a photo store."""

    def put(self, data: bytes, suffix: str = ".jpg") -> StoredFile:
        """Store ``data``; return its key and whether it was newly created."""
        ...

    def open(self, key: str) -> bytes:
        """The stored bytes; KeyError if the key is invalid or missing."""
        ...

    def exists(self, key: str) -> bool:
        """Whether ``key`` is valid and stored."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; no error if it is missing or invalid."""
        ...

    def path(self, key: str) -> pathlib.Path | None:
        """Local file path (for ``send_file``), or None if the store is not local."""
        ...


def content_key(data: bytes, suffix: str = ".jpg") -> str:
    """The key under which ``data`` is stored."""
    return hashlib.sha256(data).hexdigest() + suffix


class FileSystemStorage:
    """Stores files at ``root/ab/cd/<key>``; the root is created on demand.

    ``ab`` and ``cd`` are the first two byte pairs of the hash, so no directory grows
    beyond a few hundred entries.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        suffixes: Iterable[str] = DEFAULT_SUFFIXES,
        file_mode: int = 0o644,
    ) -> None:
        self.root = pathlib.Path(root).resolve()
        self.suffixes = frozenset(suffixes)
        for suffix in self.suffixes:
            if not _SUFFIX_RE.fullmatch(suffix):
                raise ValueError(f"invalid suffix {suffix!r}")
        # mkstemp creates files 0600; a web server serving the root directly needs more.
        self.file_mode = file_mode

    def put(self, data: bytes, suffix: str = ".jpg") -> StoredFile:
        """Store ``data`` atomically under its content key."""
        if suffix not in self.suffixes:
            raise ValueError(f"suffix {suffix!r} not allowed (allowed: {sorted(self.suffixes)})")
        key = content_key(data, suffix)
        target = self._path_for(key)
        if target.exists():
            return StoredFile(key, created=False)

        target.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the target directory: same filesystem, so the final step is atomic and
        # a crash leaves at worst a stray ".tmp-*" file, never a half-written photo.
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=target.parent)
        tmp = pathlib.Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, self.file_mode)
            created = self._publish(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return StoredFile(key, created=created)

    @staticmethod
    def _publish(tmp: pathlib.Path, target: pathlib.Path) -> bool:
        """Move ``tmp`` to ``target``; return False if someone stored it first.

        A hard link fails if the target exists, which tells two concurrent puts of the same
        content apart (only one reports ``created``). Filesystems without hard links fall
        back to ``os.replace`` – still atomic, and the content is identical anyway.
        """
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False
        except OSError:
            existed = target.exists()
            os.replace(tmp, target)
            return not existed
        return True

    def open(self, key: str) -> bytes:
        """The stored bytes; KeyError if the key is invalid or missing."""
        try:
            return self._path_for(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        """Whether ``key`` is valid and stored."""
        try:
            return self._path_for(key).is_file()
        except KeyError:
            return False

    def delete(self, key: str) -> None:
        """Remove ``key``; invalid or missing keys are ignored.

        Empty ``ab/cd`` directories are kept on purpose: removing them could race with a
        concurrent put that has just created the directory.
        """
        try:
            path = self._path_for(key)
        except KeyError:
            return
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def path(self, key: str) -> pathlib.Path:
        """Absolute local path of a stored key; KeyError if invalid or missing."""
        path = self._path_for(key)
        if not path.is_file():
            raise KeyError(key)
        return path

    def _path_for(self, key: str) -> pathlib.Path:
        """Validate ``key`` and map it into the tree; KeyError for anything suspicious."""
        match = _KEY_RE.fullmatch(key) if isinstance(key, str) else None
        if match is None or match.group(2) not in self.suffixes:
            raise KeyError(key)
        digest = match.group(1)
        return self.root / digest[:2] / digest[2:4] / key
