"""Write the user's output files safely: a new path or a regular file, replaced atomically.

Anything else at the path — a folder, a symlink, a FIFO, a device — is refused with exit 2, and so
is the file a command reads its input from. The new file gets the mode a normal file gets under
the user's umask (not the 0600 of a temporary file).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from evidencekb.errors import InputError


def check_output_path(path: Path, option: str = "--out", inputs: tuple[Path, ...] = ()) -> Path:
    """`path` if a command may (re)place it; an InputError naming the option and path otherwise."""
    path = Path(path)
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise InputError(f"{option} {path}: a part of the path is a file, not a folder") from None
    except OSError as error:
        raise InputError(f"{option} {path}: cannot use this path ({error.strerror})") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = _kind(info.st_mode)
        raise InputError(
            f"{option} {path}: is {kind}, not a regular file; evidencekb only creates files or replaces "
            "regular files — give another path"
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {path}: folder {parent} does not exist (create it first)")
    for source in inputs:
        if _same_file(path, Path(source)):
            raise InputError(f"{option} {path}: is the input file {source}; give a different output path")
    return path


def write_output(path: Path, content: str | bytes, option: str = "--out", inputs: tuple[Path, ...] = ()) -> Path:
    """Write `content` to `path` atomically (a temporary file in the same folder, then a rename)."""
    path = check_output_path(path, option, inputs)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
