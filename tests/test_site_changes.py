"""`evidencekb site build --since REV`: the page "What changed" (Danish "Hvad er ændret") from `evidencekb diff`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from evidencekb import project
from evidencekb.cli import main
from evidencekb.site.build import nav
from evidencekb.site.pages import changes

PARTS = ("data", "ontology", "queries", "validators")


def _older_copy(target: Path) -> Path:
    """A copy of the project whose council starts at IgG < 5 instead of < 4: against it, the current
    project changes the decision of the cells between 4 and 5 g/L."""
    root = project.current().root
    for part in PARTS:
        shutil.copytree(root / part, target / part)
    path = target / "data" / "council.ttl"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"(kb:council-igg-below-4 a ekb:IggCondition ;.*?ekb:threshold )4( ;)", re.S)
    changed, count = pattern.subn(r"\g<1>5\g<2>", text)
    assert count == 1
    path.write_text(changed, encoding="utf-8")
    return target


def test_bad_rev_exits_2_before_building(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    assert main(["site", "build", "--since", "no-such-revision-or-folder", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--since no-such-revision-or-folder: neither a folder nor a git revision" in err
    assert "Traceback" not in err and not out.exists()


def test_nav_has_the_page_only_with_since() -> None:
    for lang, title in (("da", "Hvad er ændret"), ("en", "What changed")):
        assert {title: changes.PATH} in nav(lang, since=True)
        assert all(changes.PATH not in entry.values() for entry in nav(lang))


class _Rendered:
    """Stands in for MkDocs' renderer (`mkdocs.commands.build.build`) after the strict configuration is loaded:
    keeps each language's navigation and generated "What changed" page and writes a placeholder site. The
    full strict MkDocs build of the same generated docs is test_site.py's (session) build."""

    def __init__(self) -> None:
        self.nav: dict[str, list] = {}
        self.page: dict[str, str] = {}
        self.broken: list[str] = []

    def __call__(self, config: dict) -> None:
        lang = config["theme"]["language"]
        docs = Path(config["docs_dir"])
        self.nav[lang] = config["nav"]
        self.page[lang] = (docs / changes.PATH).read_text(encoding="utf-8")
        self.broken += [f"{lang}: {target}" for target in _broken_links(docs)]
        site = Path(config["site_dir"])
        site.mkdir(parents=True, exist_ok=True)
        (site / "index.html").write_text(lang, encoding="utf-8")


MD_LINK = re.compile(r"\]\(([^)\s#]+\.md)(?:#[^)\s]*)?\)")


def _broken_links(docs: Path) -> list[str]:
    """The relative Markdown links of the "What changed" page whose target page was not generated (what the
    strict MkDocs build refuses; entities without a page of their own are linked by their IRI)."""
    page = docs / changes.PATH
    targets = MD_LINK.findall(page.read_text(encoding="utf-8"))
    return [t for t in targets if not (page.parent / t).resolve().is_file()]


def test_site_build_since_adds_what_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import mkdocs.commands.build

    rendered = _Rendered()
    monkeypatch.setattr(mkdocs.commands.build, "build", rendered)
    monkeypatch.setenv("EVIDENCEKB_JOBS", "1")  # the languages in this process, where `rendered` sees them
    old = _older_copy(tmp_path / "old")
    out = tmp_path / "site"
    assert main(["site", "build", "--since", str(old), "--out", str(out)]) == 0
    capsys.readouterr()
    assert (out / "index.html").is_file() and (out / "en" / "index.html").is_file()
    da, en = rendered.page["da"], rendered.page["en"]
    assert "Hvad er ændret" in da and "What changed" in en
    # the moved threshold: the entity, and a decision-space cell at IgG 4 g/L whose council decision changes
    for page in (da, en):
        assert "council-igg-below-4" in page or "IgG &lt; 4" in page or "IgG < 4" in page
        assert re.search(r"adult/car-t/day\\?\[0,30\)/igg\\?\[4\\?\]/infections-(no|yes)/ig-none", page)
    assert "Celler i beslutningsrummet" in da and "Decision-space cells" in en
    # in the navigation of every page, and every page it links was generated
    assert {"Hvad er ændret": changes.PATH} in rendered.nav["da"]
    assert {"What changed": changes.PATH} in rendered.nav["en"]
    assert not rendered.broken, rendered.broken


def test_site_build_without_since_has_no_page(tmp_path: Path) -> None:
    # without --since nothing is diffed and no page is generated (the full build is covered by test_site.py)
    from evidencekb.rdf.cache import knowledge_base
    from evidencekb.site.build import generate_docs

    docs = tmp_path / "docs"
    pages = generate_docs(docs, knowledge_base(), "en")
    assert changes.PATH not in pages and not (docs / changes.PATH).exists()
