"""Projects to compare: a folder, or a git revision of the project repository unpacked into a temp folder.

`using(root)` makes a project the current one for the duration of a block. Everything the commands
cache (knowledge base, engine, query texts, recommender) is keyed by project, so switching back and
forth costs nothing after the first use.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidencekb import project
from evidencekb.errors import InputError
from evidencekb.project import Project

#: the parts of a project a revision needs (site/ and build/ are not compared)
PROJECT_PARTS = ("data", "ontology", "queries", "validators")


@contextmanager
def using(root: Path) -> Iterator[Project]:
    """The project at `root` is `project.current()` inside the block; the previous one after it."""
    previous = project.current()
    chosen = project.use(root)
    try:
        yield chosen
    finally:
        project.use(previous.root)


@contextmanager
def queries_from(root: Path, queries: Path) -> Iterator[Path]:
    """A temporary project with `root`'s data, ontology and validators (linked) and a copy of `queries`."""
    temporary = Path(tempfile.mkdtemp(prefix="evidencekb-queries-"))
    try:
        for part in PROJECT_PARTS:
            if part == "queries":
                shutil.copytree(queries, temporary / part)
            elif (root / part).is_dir():
                (temporary / part).symlink_to((root / part).resolve(), target_is_directory=True)
        yield temporary
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _git(repo: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False,
                              text=not binary, timeout=300)
    except FileNotFoundError:
        raise InputError("git is not installed: give OLD and NEW as project folders instead of revisions") from None


@contextmanager
def materialise(spec: str, repo_root: Path | None = None) -> Iterator[tuple[Path, str]]:
    """(project folder, description) for `spec`: an existing folder, or a git revision of the repository
    holding the current project (unpacked with `git archive` into a temporary folder, removed afterwards)."""
    folder = Path(spec).expanduser()
    if folder.is_dir():
        yield project.open_project(folder).root, str(folder)
        return
    repo_root = repo_root or project.current().root
    top = _git(repo_root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise InputError(f"{spec}: not a folder, and {repo_root} is not in a git repository "
                         "(give a project folder or a revision of the project's repository)")
    toplevel = Path(top.stdout.strip())
    commit = _git(repo_root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if commit.returncode != 0 or not commit.stdout.strip():
        raise InputError(f"{spec}: neither a folder nor a git revision of {toplevel} "
                         "(give e.g. HEAD~1, main, a commit hash, or a project folder)")
    sha = commit.stdout.strip()
    prefix = Path(repo_root).resolve().relative_to(toplevel.resolve()).as_posix()
    tree = sha if prefix in ("", ".") else f"{sha}:{prefix}"
    archive = _git(toplevel, "archive", "--format=tar", tree, binary=True)
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip()
        raise InputError(f"{spec}: git archive failed: {message[:200]}")
    temporary = Path(tempfile.mkdtemp(prefix="evidencekb-rev-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            members = [m for m in tar.getmembers() if m.name.split("/", 1)[0] in PROJECT_PARTS]
            tar.extractall(temporary, members=members, filter="data")
        if not project.is_project(temporary):
            raise InputError(
                f"{spec}: revision {sha[:12]} holds no project (no data/ and ontology/ in {prefix or '.'})")
        yield temporary, f"{spec} ({sha[:12]})"
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
