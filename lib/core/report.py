"""The build report, typed: what a build read, merged, tagged and clustered, and how long each stage took.

`lib.build` makes it and `lib.reading.store` writes and reads its JSON form; everything else reads these
fields, never string keys. A report of another `VERSION` (or one that does not fit these types) reads as
no report at all, so the collection is simply rebuilt.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from lib.core.records import Issue

VERSION = 4


@dataclass(frozen=True)
class InputSummary:
    """One input file: how many entries it held and what each of its non-blank lines was."""

    source: str
    papers: int
    lines: dict[str, int]  # line kind (lib.core.records.LINE_KINDS) -> count
    page_date: str | None = None
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Merge:
    """A paper built from more than one entry, and where those entries were."""

    paper_id: str
    title: str
    n_records: int
    where: tuple[str, ...]  # "file:line" of each entry
    title_variants: tuple[str, ...] = ()  # the spellings, when they differ
    n_abstract_versions: int = 1


@dataclass(frozen=True)
class SameTitleSplit:
    """A title shared by papers whose abstracts say they are different works; each kept its own row."""

    title: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True)
class ClusterCard:
    """One topic cluster: its number (kept from build to build), its label (the name a person gave it in
    topics.toml, else `auto_label`), its size, its top terms, its most typical papers, whether it is pinned
    (a re-cluster keeps it) and whether it appeared with this build's additions."""

    cluster: int
    label: str
    size: int
    top_terms: tuple[str, ...]
    representatives: tuple[str, ...]  # paper ids
    auto_label: str = ""
    pinned: bool = False
    new: bool = False


@dataclass(frozen=True)
class TopicOutcome:
    """What the topic stage did. `mode`: "fresh" (nothing to start from), "incremental" (from the last build's
    clusters) or "recluster" (afresh, old clusters matched so that their ids and names carry over)."""

    mode: str = "fresh"
    why: str = ""
    kept: int = 0  # papers that kept their cluster
    joined: int = 0  # new or changed papers that joined an existing cluster
    changed: int = 0  # papers whose text changed since the last build
    removed: int = 0  # papers of the last build no longer present
    new_clusters: tuple[int, ...] = ()
    matched: int = 0  # recluster: clusters that continue an earlier one
    merged: tuple[int, ...] = ()  # clusters merged into another by topics.toml
    split: tuple[int, ...] = ()  # clusters made by a split in topics.toml


@dataclass(frozen=True)
class TopicSummary:
    """How the clusters were made: k, whether it was chosen automatically and why, the cards, what happened to
    the last build's clusters, and the next free cluster number (for a split made in the app)."""

    k: int
    automatic: bool
    reason: str
    scores: dict[int, float] = field(default_factory=dict)  # silhouette per k tried
    clusters: tuple[ClusterCard, ...] = ()
    outcome: TopicOutcome = field(default_factory=TopicOutcome)
    next_id: int = 0


@dataclass(frozen=True)
class IdConflict:
    """A paper with two arXiv ids from two places: the one it was given and the one set aside.

    The record's own id beats the id list's title match, and the list's beats an id found in the text (which
    often cites another paper), so `kept_from` is "record" or "list" and `other_from` is "list" or "text".
    """

    paper_id: str
    title: str
    kept: str  # the id the paper has
    kept_from: str  # where that id came from: "record" or "list"
    other: str  # the id set aside
    other_from: str  # where it came from: "list" or "text"


@dataclass(frozen=True)
class ArxivSummary:
    """Where the papers' arXiv ids came from, and how many papers stay undated."""

    from_record: int = 0
    from_text: int = 0
    from_list: int = 0
    low_confidence: int = 0
    undated: int = 0
    conflicts: tuple[IdConflict, ...] = ()


@dataclass(frozen=True)
class ThemeCount:
    about: int
    mentions: int


@dataclass(frozen=True)
class BuildReport:
    n_records: int
    n_papers: int
    inputs: tuple[InputSummary, ...]
    merges: tuple[Merge, ...]
    same_title_splits: tuple[SameTitleSplit, ...]
    issues: tuple[Issue, ...]
    taxonomy: str
    theme_counts: dict[str, ThemeCount]
    topics: TopicSummary
    arxiv: ArxivSummary
    timings: dict[str, float]
    input_fingerprint: str = ""
    params: dict[str, int | None] = field(default_factory=dict)  # k and random_state asked for
    version: int = VERSION

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, doc: object) -> BuildReport:
        """The report a JSON document holds; ValueError when it is of another version or shape."""
        if not isinstance(doc, dict) or doc.get("version") != VERSION:
            raise ValueError("not a build report of this version")
        return _load(cls, doc)


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    # Worked out once per class: a report of 100k papers holds tens of thousands of typed objects.
    return typing.get_type_hints(kind)


def _load(kind: Any, value: object) -> Any:
    """`value` (parsed JSON) as an instance of the type `kind`: dataclasses, tuples, dicts, optionals, scalars."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ValueError(f"{kind.__name__}: expected an object")
        hints = _hints(kind)
        known = {f.name for f in dataclasses.fields(kind)}
        try:
            return kind(**{k: _load(hints[k], v) for k, v in value.items() if k in known})
        except TypeError as exc:  # a field missing
            raise ValueError(f"{kind.__name__}: {exc}") from None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return _load(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ValueError("expected a list")
        return tuple(_load(args[0], v) for v in value)
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError("expected an object")
        return {_load(args[0], k): _load(args[1], v) for k, v in value.items()}
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, str):  # JSON object keys are text: the silhouette per k
        return int(value)
    if kind in (int, str, bool) and isinstance(value, kind):
        return value
    raise ValueError(f"expected {getattr(kind, '__name__', kind)}, found {type(value).__name__}")
