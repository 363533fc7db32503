"""How much of a file an import reads: bounded, so that an endless input stops with a message."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO

MB = 1_000_000

# The largest file of each kind an import reads, well above any real school's: a 2,000-pupil
# school's year of marks is about 1.5 million marks, some 50 MB of CSV; its pupils and their
# contacts are a few MB; its common transfer file, several years of marks, some 20 MB.
# Everything a file holds is in memory while it is checked (nothing is stored until all of it
# is good), so a limit also keeps an import within the memory of a small server.
LARGEST = {
    "pupils": 20 * MB,  # about 180,000 pupils
    "contacts": 50 * MB,  # about 300,000 contacts
    "marks": 200 * MB,  # about 6 million marks: four years of a 2,000-pupil school
    "ctf": 100 * MB,
}
# No line of a CSV file this program reads comes near this (its longest value is 1,000
# characters); a longer one means a file of some other kind, or an endless one.
LONGEST_LINE = 1 * MB


class TooLargeError(Exception):
    """The file goes on past the limit of its kind (it may never end: /dev/zero)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.limit = LARGEST[kind]
        super().__init__(too_large(kind))


class LineTooLongError(Exception):
    """A line of a CSV file goes on past LONGEST_LINE."""

    def __init__(self, line: int) -> None:
        self.line = line
        super().__init__(
            f"line {line} goes on for more than {LONGEST_LINE // MB} MB without ending: "
            "not a CSV file"
        )


def too_large(kind: str) -> str:
    name = "common transfer file" if kind == "ctf" else f"{kind} file"
    return (
        f"is larger than {LARGEST[kind] // MB} MB, the most a {name} may be; "
        "split it and import the parts one after another"
    )


def _check_size(handle: BinaryIO, kind: str) -> bool:
    """Whether the file is a regular one, whose size (within the limit) is known before any
    of it is read; anything else (a pipe, a device) may go on for ever."""
    status = os.fstat(handle.fileno())
    if status.st_size > LARGEST[kind]:
        raise TooLargeError(kind)
    return stat.S_ISREG(status.st_mode)


class _Bounded(io.RawIOBase):
    """A file read a chunk at a time, never past its kind's limit nor a line past
    LONGEST_LINE: the check costs one call per chunk, not per line."""

    def __init__(self, raw: BinaryIO, kind: str) -> None:
        super().__init__()
        self._raw = raw
        self._kind = kind
        self._left = LARGEST[kind]
        self._lines = 1  # the line the reading has reached
        self._run = 0  # bytes since the last newline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._raw.read(len(buffer))
        size = len(chunk)
        if not size:
            return 0
        self._left -= size
        if self._left < 0:
            raise TooLargeError(self._kind)
        last = chunk.rfind(b"\n")
        if last < 0:
            self._run += size
        else:
            self._lines += chunk.count(b"\n")
            self._run = size - last - 1
        if self._run > LONGEST_LINE:
            raise LineTooLongError(self._lines)
        buffer[:size] = chunk
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_text(path: Path, kind: str) -> io.TextIOWrapper:
    """A CSV file of the kind as text for the csv module, read no further than its limit.

    Raises OSError when it cannot be opened and TooLargeError when a regular file is already
    too large; reading raises TooLargeError or LineTooLongError where the limit is reached.
    """
    raw = path.open("rb", buffering=0)
    try:
        regular = _check_size(raw, kind)
    except BaseException:
        raw.close()
        raise
    # A regular file within the limit is read as it is, at full speed; anything else through
    # the count of what has been read.
    buffered = io.BufferedReader(raw if regular else _Bounded(raw, kind), 1 << 16)
    return io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")


def read_bytes(path: Path, kind: str) -> bytes:
    """The whole of a file of the kind, or TooLargeError: never more than the limit is read."""
    with path.open("rb") as handle:
        _check_size(handle, kind)
        data = handle.read(LARGEST[kind] + 1)
    if len(data) > LARGEST[kind]:
        raise TooLargeError(kind)
    return data
