"""What a person decided about the topic clusters, kept in topics.toml beside themes.toml: names, pins,
merges and splits. Parses it (errors name the file and line), writes it back, and applies merges and splits
to cluster labels. Cluster ids are the C-numbers the app shows; they stay with a cluster from build to build.
Never reads or writes files itself.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.cluster import KMeans

from lib.core.errors import AtlasError

MAX_NAME = 80
HEADER = """\
# Topic clusters as you shaped them. Paper Atlas reads this file on every build and writes it when you rename,
# merge, split or pin a cluster on the Topics page; you may edit it by hand too. Ids are the C-numbers the app
# shows: they stay with a cluster from build to build.
#
#   [[cluster]]  id = 3, name = "Object detection", pinned = true   (pinned: a re-cluster keeps it as it is)
#   [[merge]]    into = 3, clusters = [7]                             (papers of C7 go to C3)
#   [[split]]    cluster = 5, new = 21                                (C5 is cut in two; one half becomes C21)
"""


class TopicsFileError(AtlasError):
    """A topics.toml that cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class ClusterEdit:
    id: int
    name: str | None = None
    pinned: bool = False
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class MergeEdit:
    into: int
    clusters: tuple[int, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class SplitEdit:
    cluster: int
    new: int
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Curation:
    clusters: dict[int, ClusterEdit] = field(default_factory=dict)
    merges: tuple[MergeEdit, ...] = ()
    splits: tuple[SplitEdit, ...] = ()
    source: str = field(default="topics.toml", compare=False)

    def name(self, cluster: int) -> str | None:
        edit = self.clusters.get(cluster)
        return edit.name if edit else None

    def pinned(self) -> set[int]:
        return {c for c, e in self.clusters.items() if e.pinned}

    def ids(self) -> set[int]:
        """Every cluster id the file mentions: new clusters must not take one of them."""
        out = set(self.clusters)
        for m in self.merges:
            out |= {m.into, *m.clusters}
        for s in self.splits:
            out |= {s.cluster, s.new}
        return out

    def with_cluster(self, cluster: int, **changes) -> Curation:
        """This curation with the [[cluster]] entry of `cluster` changed (name=None: back to the automatic
        name); an entry left with nothing in it is dropped."""
        edit = replace(self.clusters.get(cluster, ClusterEdit(cluster)), **changes)
        clusters = {c: e for c, e in self.clusters.items() if c != cluster}
        if edit.name or edit.pinned:
            clusters[cluster] = edit
        return replace(self, clusters=dict(sorted(clusters.items())))

    def with_merge(self, into: int, clusters: tuple[int, ...]) -> Curation:
        return replace(self, merges=(*self.merges, MergeEdit(into, tuple(clusters))))

    def with_split(self, cluster: int, new: int) -> Curation:
        return replace(self, splits=(*self.splits, SplitEdit(cluster, new)))


_KINDS = {"cluster": {"id", "name", "pinned"}, "merge": {"into", "clusters"}, "split": {"cluster", "new"}}


def parse_curation(text: str, source: str = "topics.toml") -> Curation:
    """The curation `text` holds; TopicsFileError naming `source` and the line of the first problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"{source}:{line.group(1)}" if line else source
        why = re.sub(r" \(at line .*\)$", "", str(exc))
        raise TopicsFileError(f"{where}: not valid TOML ({why})") from None
    finder = _Lines(text, source)
    unknown = sorted(set(doc) - set(_KINDS))
    if unknown:
        raise TopicsFileError(f"{finder.top(unknown[0])}: unknown table {unknown[0]!r}: expected {_expected()}")
    tables = {kind: doc.get(kind, []) for kind in _KINDS}
    for kind, entries in tables.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise TopicsFileError(f"{finder.top(kind)}: {kind!r} must be written [[{kind}]]")
        for i, entry in enumerate(entries):
            extra = sorted(set(entry) - _KINDS[kind])
            if extra:
                raise TopicsFileError(f"{finder.at(kind, i, extra[0])}: [[{kind}]] has no field {extra[0]!r}")
    clusters: dict[int, ClusterEdit] = {}
    for i, entry in enumerate(tables["cluster"]):
        edit = _cluster(entry, finder, i)
        if edit.id in clusters:
            raise TopicsFileError(f"{finder.at('cluster', i, 'id')}: cluster {edit.id} is listed twice")
        clusters[edit.id] = edit
    merges = tuple(_merge(e, finder, i) for i, e in enumerate(tables["merge"]))
    splits = tuple(_split(e, finder, i) for i, e in enumerate(tables["split"]))
    return Curation(dict(sorted(clusters.items())), merges, splits, source)


def _expected() -> str:
    return ", ".join(f"[[{k}]]" for k in _KINDS)


def _id(entry: dict, key: str, finder: _Lines, kind: str, i: int) -> int:
    value = entry.get(key)
    if value is None:
        raise TopicsFileError(f"{finder.at(kind, i, key)}: [[{kind}]] needs {key!r}")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TopicsFileError(f"{finder.at(kind, i, key)}: {key!r} must be a cluster number (0 or more)")
    return value


def _cluster(entry: dict, finder: _Lines, i: int) -> ClusterEdit:
    cluster = _id(entry, "id", finder, "cluster", i)
    name, pinned = entry.get("name"), entry.get("pinned", False)
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME):
        raise TopicsFileError(f"{finder.at('cluster', i, 'name')}: 'name' must be text of 1-{MAX_NAME} characters")
    if not isinstance(pinned, bool):
        raise TopicsFileError(f"{finder.at('cluster', i, 'pinned')}: 'pinned' must be true or false")
    return ClusterEdit(cluster, name.strip() if name else None, pinned, finder.line("cluster", i))


def _merge(entry: dict, finder: _Lines, i: int) -> MergeEdit:
    into = _id(entry, "into", finder, "merge", i)
    others = entry.get("clusters")
    if not isinstance(others, list) or not others:
        raise TopicsFileError(f"{finder.at('merge', i, 'clusters')}: 'clusters' must be a list of cluster numbers")
    for value in others:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value == into:
            raise TopicsFileError(
                f"{finder.at('merge', i, 'clusters')}: 'clusters' must hold cluster numbers other than 'into'"
            )
    return MergeEdit(into, tuple(others), finder.line("merge", i))


def _split(entry: dict, finder: _Lines, i: int) -> SplitEdit:
    cluster, new = _id(entry, "cluster", finder, "split", i), _id(entry, "new", finder, "split", i)
    if new == cluster:
        raise TopicsFileError(f"{finder.at('split', i, 'new')}: 'new' must differ from 'cluster'")
    return SplitEdit(cluster, new, finder.line("split", i))


class _Lines:
    """Line numbers in the text: of a table's header, or of a key inside the i-th [[kind]] table."""

    def __init__(self, text: str, source: str):
        self.lines = text.splitlines()
        self.source = source

    def _headers(self, kind: str) -> list[int]:
        pattern = re.compile(rf"\s*\[\[\s*{re.escape(kind)}\s*\]\]")
        return [n for n, line in enumerate(self.lines) if pattern.match(line)]

    def line(self, kind: str, i: int) -> int:
        headers = self._headers(kind)
        return headers[i] + 1 if i < len(headers) else 0

    def at(self, kind: str, i: int, key: str) -> str:
        headers = self._headers(kind)
        if i >= len(headers):
            return self.top(kind)
        starts = sorted(n for n, line in enumerate(self.lines) if line.lstrip().startswith("["))
        end = next((n for n in starts if n > headers[i]), len(self.lines))
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        found = next((n for n in range(headers[i], end) if pattern.match(self.lines[n])), headers[i])
        return f"{self.source}:{found + 1}"

    def top(self, name: str) -> str:
        found = next((n for n, line in enumerate(self.lines) if re.match(rf"\s*\[*\s*{re.escape(name)}\b", line)), None)
        return f"{self.source}:{found + 1}" if found is not None else self.source


def format_curation(curation: Curation) -> str:
    """topics.toml text for `curation` (what parse_curation reads back)."""
    out = [HEADER]
    for edit in curation.clusters.values():
        out.append("[[cluster]]")
        out.append(f"id = {edit.id}")
        if edit.name:
            out.append(f"name = {_quote(edit.name)}")
        if edit.pinned:
            out.append("pinned = true")
        out.append("")
    for merge in curation.merges:
        out += ["[[merge]]", f"into = {merge.into}", f"clusters = [{', '.join(map(str, merge.clusters))}]", ""]
    for split in curation.splits:
        out += ["[[split]]", f"cluster = {split.cluster}", f"new = {split.new}", ""]
    return "\n".join(out).rstrip() + "\n"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


@dataclass(frozen=True)
class Applied:
    """Labels after the merges and splits, the clusters each created or emptied, and notes on entries that
    did nothing (with their line)."""

    labels: np.ndarray
    merged: tuple[int, ...] = ()  # clusters emptied into another
    split: tuple[int, ...] = ()  # clusters made by a split
    notes: tuple[tuple[int, str], ...] = ()  # (line, what happened)


def apply_curation(curation: Curation, labels: np.ndarray, Z: np.ndarray, *, random_state: int = 0) -> Applied:
    """The merges, then the splits, in file order. Each applies once: a merge moves the papers of clusters that
    still have any; a split is made while its `new` cluster does not exist yet, and the saved model then holds
    both halves. A split cuts the cluster by KMeans (k=2) on its papers' vectors; the smaller half becomes
    `new` (equal halves: the one without the cluster's first paper)."""
    labels = labels.copy()
    merged, split, notes = [], [], []
    for merge in curation.merges:
        moving = np.isin(labels, merge.clusters)
        if moving.any():
            merged += sorted(set(labels[moving].tolist()))
            labels[moving] = merge.into
        elif not (labels == merge.into).any():
            notes.append((merge.line, f"merge into C{merge.into}: no such clusters"))
    for cut in curation.splits:
        members = np.flatnonzero(labels == cut.cluster)
        if (labels == cut.new).any():
            continue
        if len(members) < 2:
            notes.append((cut.line, f"split of C{cut.cluster}: it has fewer than two papers"))
            continue
        halves = KMeans(2, n_init=3, random_state=random_state).fit_predict(Z[members])
        sizes = np.bincount(halves, minlength=2)
        moving = 1 - halves[0] if sizes[0] == sizes[1] else int(sizes.argmin())
        if sizes.min() == 0:
            notes.append((cut.line, f"split of C{cut.cluster}: its papers cannot be told apart"))
            continue
        labels[members[halves == moving]] = cut.new
        split.append(cut.new)
    return Applied(labels, tuple(merged), tuple(split), tuple(notes))
