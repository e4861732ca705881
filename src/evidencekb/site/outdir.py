"""The site's output folder: replaced only when evidencekb built it, and always atomically.

Every site evidencekb builds holds the marker file `.evidencekb-site`. `check_out(path)` accepts an
output folder that is absent, empty or marked, and refuses (exit 2, naming the path and what to do)
anything else: a folder with other files (a project, a `.git` checkout, the current directory or any
of its parents), a file, a symbolic link, or a path beneath a file. `swap(new, out)` then puts the new
site in place with two renames, so a failed build leaves the old site untouched.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from evidencekb import project
from evidencekb.errors import InputError

MARKER = ".evidencekb-site"
MARKER_TEXT = "This folder was built by `evidencekb site build`; the next build replaces it.\n"


def check_out(out: Path) -> Path:
    """The absolute output folder, after refusing anything evidencekb must not replace."""
    given = Path(out)
    path = Path(os.path.abspath(given))
    what = f"--out {given}"
    if path.is_symlink():
        raise InputError(f"{what}: {path} is a symbolic link; give the folder it points to, or another path")
    _check_parents(path, what)
    path = path.resolve()
    for protected, name in ((Path.cwd().resolve(), "the current directory"),
                            (project.current().root.resolve(), "the project folder")):
        if path == protected or path in protected.parents:
            raise InputError(f"{what}: {path} is {name} or one of its parents; evidencekb would replace it "
                             "with the site. Choose a new folder, e.g. --out build/site")
    if not path.exists():
        return path
    if not path.is_dir():
        raise InputError(f"{what}: {path} is a file, not a folder; remove it or choose another path "
                         "(evidencekb never replaces a file with the site)")
    if (path / MARKER).is_file():
        return path
    try:
        entries = sorted(entry.name for entry in path.iterdir())
    except OSError as error:
        raise InputError(f"{what}: cannot read {path} ({error.strerror})") from None
    if entries:
        shown = ", ".join(entries[:5]) + (" …" if len(entries) > 5 else "")
        extra = " (it holds a .git repository)" if ".git" in entries else ""
        raise InputError(
            f"{what}: {path} is not empty and was not built by evidencekb (no {MARKER} marker){extra}: "
            f"{shown}. Choose an empty or new folder, or remove this one yourself if it may go"
        )
    return path


def _check_parents(path: Path, what: str) -> None:
    """Refuse a path beneath a file (or another non-folder) before anything is created."""
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise InputError(f"{what}: {parent} is a file, so no folder can be made beneath it; "
                                 "choose another path")
            return


def prepare_parent(out: Path) -> None:
    """Create the output folder's parent (the temporary build folder is made beside the output)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"--out {out}: cannot create {out.parent} ({error.strerror})") from None


def mark(site: Path) -> None:
    """Leave the marker that lets the next build replace `site`."""
    (site / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def swap(new: Path, out: Path) -> None:
    """Replace `out` by `new` with two renames; the old site is removed only after the swap.

    `out` is checked again right before (it may have changed while the site was built).
    """
    check_out(out)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}-old-{os.getpid()}-{time.time_ns()}")
        os.replace(out, old)
    try:
        os.replace(new, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
