"""Which project the commands work on: its ontology, data, queries, shapes and site configuration.

A project is a folder holding `data/` and `ontology/`. Commands use, in this order: the folder given
with `--project DIR`, the nearest folder at or above the current directory that holds both, or the
copy the package was installed from (and then say so on stderr). `queries/`, `validators/` and
`site/` come from the project when it has them, else from that installed copy.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from evidencekb import messages
from evidencekb.errors import InputError

BUNDLED_ROOT = Path(__file__).resolve().parents[2]


def is_project(folder: Path) -> bool:
    return (folder / "data").is_dir() and (folder / "ontology").is_dir()


@dataclass(frozen=True)
class Project:
    root: Path

    def _part(self, name: str) -> Path:
        own = self.root / name
        return own if own.is_dir() or not (BUNDLED_ROOT / name).is_dir() else BUNDLED_ROOT / name

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def queries(self) -> Path:
        return self._part("queries")

    @property
    def validators(self) -> Path:
        return self._part("validators")

    @property
    def site(self) -> Path:
        return self._part("site")

    @property
    def build(self) -> Path:
        return self.root / "build"


_active: Project | None = None


def use(folder: Path | None) -> Project:
    """Make `folder` (or the discovered project when None) the project of this process."""
    global _active
    _active = open_project(folder) if folder is not None else discover()
    return _active


def current() -> Project:
    """The project of this process, discovered on first use."""
    return _active if _active is not None else use(None)


def open_project(folder: Path) -> Project:
    folder = Path(folder).expanduser()
    if not is_project(folder):
        raise InputError(
            f"{folder}: not an evidencekb project (it needs the folders data/ and ontology/; "
            "give the folder of a project with --project, or run the command inside one)"
        )
    return Project(folder.resolve())


def discover(start: Path | None = None) -> Project:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return Project(folder)
    if is_project(BUNDLED_ROOT):
        print(messages.text("cli.project.bundled", "en", here=here, root=BUNDLED_ROOT), file=sys.stderr)
        return Project(BUNDLED_ROOT)
    raise InputError(f"no evidencekb project (data/ and ontology/) in {here} or above; use --project DIR")
