"""Output files: created or regular files replaced atomically; everything else refused (issue 11 §1)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from evidencekb.errors import InputError
from evidencekb.outputs import write_output


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = write_output(tmp_path / "a.csv", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert out.read_text() == "x"


def test_regular_file_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    out.write_text("old")
    write_output(out, "new")
    assert out.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]  # no leftovers


@pytest.mark.parametrize("kind", ["folder", "symlink", "fifo"])
def test_special_paths_are_refused_and_survive(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep me")
    out = tmp_path / "out"
    if kind == "folder":
        out.mkdir()
        (out / "inside.txt").write_text("keep")
    elif kind == "symlink":
        out.symlink_to(target)
    else:
        os.mkfifo(out)
    with pytest.raises(InputError, match="not a regular file"):
        write_output(out, "x")
    assert target.read_text() == "keep me"
    assert out.is_dir() if kind == "folder" else True
    assert out.is_symlink() if kind == "symlink" else True
    assert stat.S_ISFIFO(out.lstat().st_mode) if kind == "fifo" else True


def test_device_is_refused() -> None:
    with pytest.raises(InputError, match="a device"):
        write_output(Path("/dev/null"), "x")


def test_the_input_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("input")
    with pytest.raises(InputError, match="is the input file"):
        write_output(tmp_path / "." / "in.csv", "x", inputs=(source,))
    assert source.read_text() == "input"


def test_path_beneath_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError):
        write_output(blocker / "out.csv", "x")
