"""The frame the tagged-text readers share (PubMed/MEDLINE, EndNote/Refer): the file's lines are cut into
records, each a mapping of tag to values with the line it starts on, and each record becomes a Record or an
Issue. A blank line ends a record, and so does a second occurrence of the tag that opens one (PMID, %0); a
line that continues the field above (indented, or carrying no tag) is joined to it. Each reader says what its
tag lines look like and what its tags mean."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lib.core.records import Issue, ParseResult, Record

Tags = dict[str, list[str]]


@dataclass(frozen=True)
class Grammar:
    line: re.Pattern  # a field line: groups (tag, value)
    opener: str  # the tag that opens a record; a second one in a record opens the next
    continued: Callable[[str], bool]  # whether a line that is not a field line continues the field above
    name: str  # the format with its article, as issues name it: "a PubMed"


def read_tagged(
    text: str, source: str, grammar: Grammar, record: Callable[[Tags, str, int], tuple[Record | None, list[Issue]]]
) -> ParseResult:
    """Every record of `text`, made by `record` (which names the record's line in its issues)."""
    lines = text.splitlines()
    result = ParseResult(source=source, n_lines=len(lines))
    for start, tags in _records(lines, grammar, result):
        result.add(*record(tags, source, start))
    return result.finish()


def first(tags: Tags, *names: str) -> str | None:
    """The first value of the first of `names` that the record has."""
    return next((tags[n][0] for n in names if tags.get(n)), None)


def _records(lines: list[str], grammar: Grammar, result: ParseResult) -> Iterator[tuple[int, Tags]]:
    start, tags, last = None, {}, None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip().lstrip("\ufeff")
        if not line.strip():
            if start is not None:
                yield start, tags
            start, tags, last = None, {}, None
            continue
        m = grammar.line.match(line)
        if not m:
            if last is not None and grammar.continued(line):
                tags[last][-1] = f"{tags[last][-1]} {line.strip()}"
            else:
                reason = f"not {grammar.name} field line; ignored"
                result.issues.append(Issue(result.source, lineno, reason, line[:120]))
            continue
        tag, value = m.group(1), m.group(2).strip()
        if tag == grammar.opener and grammar.opener in tags:
            yield start, tags
            start, tags = None, {}
        start = lineno if start is None else start
        tags.setdefault(tag, []).append(value)
        last = tag
    if start is not None:
        yield start, tags
