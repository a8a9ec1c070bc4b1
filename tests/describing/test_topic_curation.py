"""topics.toml: what a person wrote is read back exactly, a mistake is named by file and line, and merges and
splits apply once however often the build runs."""

from __future__ import annotations

import numpy as np
import pytest

from lib.core.errors import AtlasError
from lib.describing.topic_curation import Curation, apply_curation, format_curation, parse_curation

GOOD = """\
# my names
[[cluster]]
id = 3
name = "Object detection"
pinned = true

[[cluster]]
id = 7
name = 'Quotes "inside" and a backslash \\\\ too'

[[merge]]
into = 3
clusters = [8, 9]

[[split]]
cluster = 5
new = 21
"""


def test_a_hand_written_file_is_read_as_written():
    curation = parse_curation(GOOD, "topics.toml")
    assert curation.name(3) == "Object detection" and curation.pinned() == {3}
    assert curation.name(7) == 'Quotes "inside" and a backslash \\\\ too'  # a literal string keeps both
    assert [(m.into, m.clusters) for m in curation.merges] == [(3, (8, 9))]
    assert [(s.cluster, s.new) for s in curation.splits] == [(5, 21)]
    assert curation.ids() == {3, 5, 7, 8, 9, 21}


def test_what_the_app_writes_reads_back_the_same():
    curation = parse_curation(GOOD)
    curation = curation.with_cluster(12, name="Ünïcode · names\ttoo").with_merge(4, (6,)).with_split(2, 30)
    again = parse_curation(format_curation(curation))
    assert again == curation
    assert format_curation(again) == format_curation(curation)


def test_clearing_a_name_and_a_pin_drops_the_entry():
    curation = parse_curation(GOOD).with_cluster(3, name=None, pinned=False)
    assert 3 not in curation.clusters and 3 not in parse_curation(format_curation(curation)).clusters


@pytest.mark.parametrize(
    "text, where, says",
    [
        ('[[cluster]]\nid = 3\nnmae = "x"\n', "topics.toml:3", "no field 'nmae'"),
        ('[[cluster]]\nid = "three"\n', "topics.toml:2", "must be a cluster number"),
        ("[[cluster]]\nid = -1\n", "topics.toml:2", "must be a cluster number"),
        ('\n[[cluster]]\nname = "x"\n', "topics.toml:2", "needs 'id'"),
        ('[[cluster]]\nid = 1\nname = ""\n', "topics.toml:3", "'name' must be text"),
        ("[[cluster]]\nid = 1\npinned = 1\n", "topics.toml:3", "'pinned' must be true or false"),
        ("[[cluster]]\nid = 1\n\n[[cluster]]\nid = 1\n", "topics.toml:5", "cluster 1 is listed twice"),
        ("[[merge]]\ninto = 3\nclusters = [3]\n", "topics.toml:3", "other than 'into'"),
        ("[[merge]]\ninto = 3\nclusters = 4\n", "topics.toml:3", "must be a list"),
        ("[[split]]\ncluster = 5\nnew = 5\n", "topics.toml:3", "'new' must differ"),
        ("[[split]]\ncluster = 5\n", "topics.toml:1", "needs 'new'"),
        ("# fine\n[[cluster]\nid = 3\n", "topics.toml:2", "not valid TOML"),
        ('[[cluster]]\nid = 3\nname = "unterminated\n', "topics.toml:3", "not valid TOML"),
        ("clusters = 3\n", "topics.toml:1", "unknown table 'clusters'"),
        ("cluster = 3\n", "topics.toml:1", "must be written [[cluster]]"),
    ],
)
def test_a_mistake_is_named_by_file_and_line(text, where, says):
    with pytest.raises(AtlasError) as caught:
        parse_curation(text, "topics.toml")
    message = str(caught.value)
    assert message.startswith(where + ":") and says in message, message


def _blobs():
    """Four tight groups of vectors, 10 papers each: clusters 0 and 1 are one group each, cluster 2 holds two."""
    rng = np.random.default_rng(0)
    centres = np.eye(4, 8)
    Z = np.vstack([c + 0.05 * rng.standard_normal((10, 8)) for c in centres]).astype(np.float32)
    labels = np.repeat([0, 1, 2, 2], 10)
    return Z, labels


def test_merge_moves_papers_once_and_split_cuts_a_cluster_along_its_groups():
    Z, labels = _blobs()
    curation = Curation().with_merge(0, (1,)).with_split(2, 9)
    applied = apply_curation(curation, labels, Z)
    assert set(applied.labels[:20]) == {0} and applied.merged == (1,)
    halves = [set(applied.labels[20:30]), set(applied.labels[30:40])]
    assert sorted(map(sorted, halves)) == [[2], [9]] and applied.split == (9,)
    again = apply_curation(curation, applied.labels, Z)  # the next build starts from the curated labels
    assert (again.labels == applied.labels).all() and again.merged == () and again.split == ()


def test_entries_that_can_do_nothing_are_noted_with_their_line():
    Z, labels = _blobs()
    curation = parse_curation("[[merge]]\ninto = 40\nclusters = [41]\n\n[[split]]\ncluster = 42\nnew = 43\n")
    applied = apply_curation(curation, labels, Z)
    assert (applied.labels == labels).all()
    assert applied.notes == ((1, "merge into C40: no such clusters"), (5, "split of C42: it has fewer than two papers"))
