"""`site build --out DIR` and `build --out DIR` replace only what evidencekb built (issue 11 §1).

A folder is replaced only when it holds the marker `.evidencekb-site` or is empty or absent; anything
else is refused with exit 2 and left exactly as it was. The build itself is stubbed out here (the
real build is tested in test_site.py): these tests are about the output folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidencekb import project
from evidencekb.cli import main
from evidencekb.site.outdir import MARKER


def _run(*argv: str) -> int:
    return main(["site", "build", "--project", str(project.current().root), *argv])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_with_unrelated_files_survives(tmp_path: Path, stub_build: None,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "notes"
    (out / "sub").mkdir(parents=True)
    (out / "thesis.tex").write_text("years of work", encoding="utf-8")
    (out / "sub" / "data.csv").write_text("1,2", encoding="utf-8")
    before = _snapshot(out)
    assert _run("--out", str(out)) == 2
    assert _snapshot(out) == before
    error = capsys.readouterr().err
    assert str(out) in error and MARKER in error and "empty or new folder" in error


def test_a_git_checkout_survives(tmp_path: Path, stub_build: None, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "repo"
    (out / ".git").mkdir(parents=True)
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    assert _run("--out", str(out)) == 2
    assert (out / ".git" / "HEAD").is_file()
    assert ".git" in capsys.readouterr().err


def test_dot_survives_even_with_a_marker(tmp_path: Path, stub_build: None, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("keep", encoding="utf-8")
    (tmp_path / MARKER).write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _run("--out", ".") == 2
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "keep"
    assert "current directory" in capsys.readouterr().err
    assert _run("--out", str(tmp_path.parent)) == 2  # a parent of the current directory
    assert (tmp_path / "keep.txt").is_file()


def test_the_project_and_its_parents_survive(stub_build: None) -> None:
    root = project.current().root
    for out in (root, root.parent, root / "data"):
        assert _run("--out", str(out)) == 2, out
    assert (root / "data").is_dir() and any((root / "data").iterdir())


def test_a_file_at_out_is_refused_not_renamed(tmp_path: Path, stub_build: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    out.write_text("a file", encoding="utf-8")
    assert _run("--out", str(out)) == 2
    assert out.read_text(encoding="utf-8") == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "hidden leftovers"
    assert "is a file" in capsys.readouterr().err


def test_a_path_beneath_a_file_is_refused_cleanly(tmp_path: Path, stub_build: None,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x", encoding="utf-8")
    assert _run("--out", str(blocker / "deeper" / "site")) == 2
    error = capsys.readouterr().err
    assert str(blocker) in error and "Traceback" not in error and "internal error" not in error
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_symlink_at_out_is_refused(tmp_path: Path, stub_build: None) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / MARKER).write_text("", encoding="utf-8")
    (tmp_path / "link").symlink_to(target)
    assert _run("--out", str(tmp_path / "link")) == 2
    assert (tmp_path / "link").is_symlink() and (target / MARKER).is_file()


def test_build_refuses_before_validating(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("keep", encoding="utf-8")
    assert main(["build", "--project", str(project.current().root), "--out", str(out)]) == 2
    assert (out / "keep.txt").is_file()
    assert "Validating" not in capsys.readouterr().err


def test_absent_empty_and_marked_folders_are_replaced_atomically(tmp_path: Path, stub_build: None) -> None:
    absent, empty = tmp_path / "a" / "new", tmp_path / "empty"
    empty.mkdir()
    for out in (absent, empty):
        assert _run("--out", str(out)) == 0
        assert (out / "index.html").read_text(encoding="utf-8") == "new site"
        assert (out / MARKER).is_file(), "every built site carries the marker"
    (empty / "stale.html").write_text("old page", encoding="utf-8")  # marked: the next build replaces it
    assert _run("--out", str(empty)) == 0
    assert not (empty / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "empty"], "temporary folders left behind"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_an_unwritable_parent_is_an_input_error(tmp_path: Path, stub_build: None) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert _run("--out", str(locked / "sub" / "site")) == 2
    finally:
        locked.chmod(0o700)
