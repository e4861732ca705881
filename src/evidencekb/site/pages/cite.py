"""The "How to cite" page (cite.md, issue 18 §4): the knowledge base's version, build date and git
commit, the source document's citation (only the bibliographic facts the graph records: queries/site/
cite.rq) and the licence, then CITATION.cff as it is.

The build date is deterministic, so that two builds of unchanged data give the same page (§5): the
`SOURCE_DATE_EPOCH` environment variable when set (reproducible-builds.org), else the date of the git
commit the project is checked out at, else the newest modification date of the project's data files.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from evidencekb import messages, project
from evidencekb.namespaces import PREFIXES, kb
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.text import bullet_list, md

PAGE = "cite.md"


@dataclass(frozen=True)
class BuildInfo:
    version: str
    date: str  # YYYY-MM-DD
    date_source: str  # "source-date-epoch" | "commit" | "data"
    commit: str | None  # full hash, None outside a git checkout
    dirty: bool  # the checkout has uncommitted changes to tracked files
    licence: str
    citation_file: str | None  # CITATION.cff as it is


def _git(root: Path, *arguments: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, text=True, timeout=20,
                              check=False, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _version() -> str:
    import evidencekb

    return str(evidencekb.__version__)


def _licence() -> str:
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("evidencekb")
    except PackageNotFoundError:
        return ""
    return str(meta.get("License-Expression") or meta.get("License") or "")


def _citation_file(root: Path) -> str | None:
    for folder in (root, project.BUNDLED_ROOT):
        path = folder / "CITATION.cff"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


@cache
def build_info(root: Path) -> BuildInfo:
    """Version, build date, commit and licence of the project at `root` (computed once per process)."""
    commit = _git(root, "rev-parse", "--verify", "HEAD")
    dirty = bool(commit) and bool(_git(root, "status", "--porcelain", "--untracked-files=no"))
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        date, source = datetime.fromtimestamp(int(epoch), UTC).date().isoformat(), "source-date-epoch"
    elif commit and (when := _git(root, "log", "-1", "--format=%ct", commit)) and when.isdigit():
        date, source = datetime.fromtimestamp(int(when), UTC).date().isoformat(), "commit"
    else:
        times = [p.stat().st_mtime for p in sorted((root / "data").rglob("*.ttl"))]
        stamp = max(times) if times else 0
        date, source = datetime.fromtimestamp(int(stamp), UTC).date().isoformat(), "data"
    return BuildInfo(_version(), date, source, commit, dirty, _licence(), _citation_file(root))


def _cff_names(text: str | None) -> tuple[str, str]:
    """(authors, title) from CITATION.cff for the suggested citation ("", "" when unreadable)."""
    if not text:
        return "", ""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    names = []
    for author in data.get("authors") or []:
        if isinstance(author, dict):
            parts = [str(author[k]) for k in ("given-names", "family-names") if k in author]
            name = author.get("name") or " ".join(parts)
            if name:
                names.append(str(name))
    return ", ".join(names), str(data.get("title") or "")


def _t(ctx: PageContext, key: str, **values: object) -> str:
    return messages.text(f"site_method.cite.{key}", ctx.lang, **values)


def _source_citation(ctx: PageContext) -> str:
    """The addendum's citation from the graph: issuer. Title. Year. Language; what it amends."""
    facts = ctx.facts("cite")
    addendum = kb.addendum
    issuer = facts.value(addendum, "issuingBody") or facts.value(addendum, "publisher")
    title = facts.literal(addendum, "title", "da")
    year = facts.value(addendum, "issued")
    parts = []
    if issuer is not None:
        parts.append(md(ctx.label(issuer)) + ".")
    if title is not None:
        parts.append(f"_{ctx.marked(title)}_.")
    if year is not None:
        parts.append(md(str(year)) + ".")
    language = facts.value(addendum, "language")
    if language is not None:
        key = f"site_method.cite.languages.{language}"
        name = messages.text(key, ctx.lang) if messages.has(key) else str(language)
        parts.append(md(_t(ctx, "language", language=name)) + ".")
    text = " ".join(parts) or ctx.none()
    notes = []
    if PREFIXES["dcterms"] + "title" in {str(v) for v in facts.values(addendum, "curatorSupplied")}:
        notes.append(md(_t(ctx, "title_supplied")))
    for amended in facts.values(addendum, "amends"):
        url = facts.value(amended, "url")
        target = f"[{md(ctx.label(amended))}]({url})" if url is not None else md(ctx.label(amended))
        notes.append(md(_t(ctx, "amends")) + " " + target)
    return f"> {text}\n\n" + bullet_list(notes)


def cite_page(ctx: PageContext, info: BuildInfo | None = None) -> str:
    ctx = ctx.at(PAGE)
    info = info or build_info(project.current().root)
    title = _t(ctx, "title")
    parts = [front_matter(title), f"# {md(title)}\n\n", md(_t(ctx, "lead")) + "\n\n"]
    commit = (f"`{info.commit}`" + (f" ({md(_t(ctx, 'dirty'))})" if info.dirty else "")) if info.commit \
        else md(_t(ctx, "no_git"))
    date = f"{info.date} ({md(_t(ctx, f'date_source.{info.date_source}'))})"
    parts.append(f"## {md(_t(ctx, 'this'))}\n\n")
    authors, name = _cff_names(info.citation_file)
    suggested = _t(ctx, "suggested", authors=authors or "evidencekb", title=name or "evidencekb",
                   version=info.version, date=info.date, licence=info.licence or _t(ctx, "unknown"),
                   commit=f" (commit {info.commit[:12]})" if info.commit else "")
    parts.append(f"> {md(suggested)}\n\n")
    rows: list[tuple[str, str]] = [("version", md(info.version)), ("build_date", date), ("commit", commit),
                                   ("licence", md(info.licence) if info.licence else md(_t(ctx, "unknown")))]
    parts.append("\n".join(f"- **{md(_t(ctx, f'fields.{k}'))}**: {v}" for k, v in rows) + "\n\n")
    parts.append(f"## {md(_t(ctx, 'source'))}\n\n" + md(_t(ctx, 'source_lead')) + "\n\n" + _source_citation(ctx) + "\n")
    parts.append("## CITATION.cff\n\n")
    if info.citation_file:
        parts.append(md(_t(ctx, "cff_lead")) + "\n\n```yaml\n" + info.citation_file.rstrip("\n") + "\n```\n")
    else:
        parts.append(md(_t(ctx, "no_cff")) + "\n")
    return "".join(parts)


def pages(ctx: PageContext) -> dict[str, Any]:
    return {PAGE: cite_page(ctx)}
