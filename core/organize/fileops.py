"""The file operations apply and undo are made of. None of them ever overwrites anything.

- move on one file system: a hard link to the new name (atomic, fails if the name exists),
  then unlink the old name; where hard links are not allowed, reserve the name with an
  O_EXCL placeholder, then os.replace onto our own placeholder;
- move across file systems: copy to a hidden temporary next to the destination, fsync, read
  it back and compare hashes, publish it under the final name without clobbering, fsync the
  folder, and only then delete the source;
- copy: the same without the delete; link: a hard link, or a symlink where that fails.

Every step leaves a state `core.organize.apply.recover` can read back from the disk: the
source, the destination, the temporary (named after the journal row) and the content hash.
"""

from __future__ import annotations

import errno
import os
import shutil

from core.errors import ShoeboxError
from core.scan.hashing import hash_file

CHUNK = 1 << 20
_NO_HARDLINK = {errno.EPERM, errno.EACCES, errno.EMLINK, errno.ENOSYS,
                getattr(errno, "ENOTSUP", 95), getattr(errno, "EOPNOTSUPP", 95)}


class Occupied(ShoeboxError):
    """The destination name appeared between choosing it and using it."""


class VerifyFailed(ShoeboxError):
    pass


def temp_path(dst: str, journal_id: int) -> str:
    return os.path.join(os.path.dirname(dst), f".shoebox-{journal_id}.part")


def fsync_dir(folder: str) -> None:
    if os.name == "nt":  # folders cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(src: str, dst: str) -> None:
    """Give `src` the name `dst` on the same file system without ever replacing a `dst`."""
    try:
        os.link(src, dst)
    except FileExistsError as e:
        raise Occupied(f"{dst} appeared meanwhile") from e
    except OSError as e:
        if e.errno not in _NO_HARDLINK:
            raise
        try:  # no hard links here (exFAT, some network shares): reserve, then replace ours
            os.close(os.open(dst, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError as e2:
            raise Occupied(f"{dst} appeared meanwhile") from e2
        os.replace(src, dst)
        return
    os.unlink(src)


def copy_verified(src: str, dst: str, journal_id: int, expected_hash: str | None) -> None:
    """Copy src to dst through a temporary, verified by re-reading it; dst never clobbered."""
    tmp = temp_path(dst, journal_id)
    try:
        with open(src, "rb") as fi, open(tmp, "xb") as fo:
            shutil.copyfileobj(fi, fo, CHUNK)
            fo.flush()
            os.fsync(fo.fileno())
        shutil.copystat(src, tmp)
        got, _ = hash_file(tmp)
        if expected_hash is not None and got != expected_hash:
            raise VerifyFailed(f"the copy of {src} does not match it (disk or memory error?); "
                               f"the original was kept")
        _publish(tmp, dst)
        fsync_dir(os.path.dirname(dst))
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def move(src: str, dst: str, journal_id: int, expected_hash: str | None, *,
         force_copy: bool = False) -> str:
    """Move without overwriting; returns the method used ('rename' or 'copy')."""
    if not force_copy:
        try:
            _publish(src, dst)
            return "rename"
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
    copy_verified(src, dst, journal_id, expected_hash)
    os.unlink(src)
    fsync_dir(os.path.dirname(src))
    return "copy"


def link(src: str, dst: str) -> str:
    """A hard link, or a symlink where hard links cannot be made; never clobbers."""
    try:
        os.link(src, dst)
        return "hardlink"
    except FileExistsError as e:
        raise Occupied(f"{dst} appeared meanwhile") from e
    except OSError as e:
        if e.errno not in _NO_HARDLINK | {errno.EXDEV}:
            raise
    try:
        os.symlink(src, dst)
    except FileExistsError as e:
        raise Occupied(f"{dst} appeared meanwhile") from e
    return "symlink"


def same_content(path: str, expected_hash: str | None, size: int | None = None) -> bool:
    try:
        if size is not None and os.stat(path).st_size != size:
            return False
        return expected_hash is not None and hash_file(path)[0] == expected_hash
    except OSError:
        return False


def links_to(path: str, target: str) -> bool:
    """True when `path` is a hard link or symlink to `target`."""
    try:
        if os.path.islink(path):
            return os.path.realpath(path) == os.path.realpath(target) or \
                os.readlink(path) == target
        return os.path.samefile(path, target)
    except OSError:
        return False
