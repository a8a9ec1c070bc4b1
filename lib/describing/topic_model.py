"""The topic model a build saves and the next build starts from: the space (vocabulary, idf, LSA basis), each
paper's cluster, vector, term counts, text hash and similar papers, and each cluster's centre and automatic
name. Rows are in paper-id order. Converts to and from plain arrays and a JSON-able dict (lib.reading.store
writes them as .npy files and JSON, which load memory-mapped); knows nothing of files or the app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

FORMAT = 1  # the saved layout; a model of another format is not used (the next build starts afresh)


@dataclass(frozen=True)
class TopicModel:
    paper_ids: np.ndarray  # (n,) str, sorted
    text_hashes: np.ndarray  # (n,) uint64 of "title. abstract"
    clusters: np.ndarray  # (n,) int64 cluster id of each paper
    lsa: np.ndarray  # (n, d) float32 unit rows
    counts: sp.csr_matrix  # (n, vocabulary) float32 term counts
    similar: np.ndarray  # (n, 5) int64 rows of this model, -1 past the last similar paper
    similar_scores: np.ndarray  # (n, 5) float32 TF-IDF cosine, NaN where `similar` is -1
    vocabulary: list[str]
    idf: np.ndarray  # (vocabulary,) float32
    basis: np.ndarray  # (d, vocabulary) float32
    cluster_ids: np.ndarray  # (m,) int64, sorted
    centroids: np.ndarray  # (m, d) float32 unit centres, aligned with cluster_ids
    names: dict[int, str]  # cluster id -> automatic name
    next_id: int  # the smallest id never given to a cluster of this collection
    far_threshold: float  # a new paper less similar than this to every centre is "far" (see topic_update)
    params: dict = field(default_factory=dict)  # k asked for (None: automatic), random_state, k's reason, scores

    def to_files(self) -> tuple[dict, dict[str, np.ndarray]]:
        """A JSON-able description and the arrays to save beside it, one .npy each."""
        meta = {
            "format": FORMAT,
            "n": len(self.paper_ids),
            "vocabulary": list(self.vocabulary),
            "names": {str(c): name for c, name in sorted(self.names.items())},
            "next_id": int(self.next_id),
            "far_threshold": float(self.far_threshold),
            "params": self.params,
        }
        counts = self.counts.tocsr()
        arrays = {
            "paper_ids": np.asarray(self.paper_ids, dtype=str),
            "text_hashes": self.text_hashes.astype(np.uint64),
            "clusters": self.clusters.astype(np.int64),
            "lsa": self.lsa.astype(np.float32),
            "counts_data": counts.data.astype(np.float32),
            "counts_indices": counts.indices.astype(np.int32),
            "counts_indptr": counts.indptr.astype(np.int64),
            "similar": self.similar.astype(np.int64),
            "similar_scores": self.similar_scores.astype(np.float32),
            "idf": self.idf.astype(np.float32),
            "basis": self.basis.astype(np.float32),
            "cluster_ids": self.cluster_ids.astype(np.int64),
            "centroids": self.centroids.astype(np.float32),
        }
        return meta, arrays

    @classmethod
    def from_files(cls, meta: dict, arrays: dict[str, np.ndarray]) -> TopicModel | None:
        """The model saved as `meta` and `arrays`; None when it is of another format or does not fit together."""
        try:
            if meta.get("format") != FORMAT:
                return None
            n, v = int(meta["n"]), len(meta["vocabulary"])
            counts = sp.csr_matrix(
                (arrays["counts_data"], arrays["counts_indices"], arrays["counts_indptr"]), shape=(n, v)
            )
            model = cls(
                paper_ids=arrays["paper_ids"],
                text_hashes=arrays["text_hashes"],
                clusters=arrays["clusters"],
                lsa=arrays["lsa"],
                counts=counts,
                similar=arrays["similar"],
                similar_scores=arrays["similar_scores"],
                vocabulary=list(meta["vocabulary"]),
                idf=arrays["idf"],
                basis=arrays["basis"],
                cluster_ids=arrays["cluster_ids"],
                centroids=arrays["centroids"],
                names={int(c): str(name) for c, name in meta["names"].items()},
                next_id=int(meta["next_id"]),
                far_threshold=float(meta["far_threshold"]),
                params=dict(meta.get("params") or {}),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return model if model.fits() else None

    def fits(self) -> bool:
        """Whether the arrays agree with each other in shape (a torn or hand-edited save does not)."""
        n, d = len(self.paper_ids), self.basis.shape[0]
        return (
            self.lsa.shape == (n, d)
            and len(self.text_hashes) == len(self.clusters) == len(self.similar) == n
            and self.basis.shape[1] == len(self.vocabulary) == len(self.idf)
            and self.centroids.shape == (len(self.cluster_ids), d)
        )


def text_hashes(texts: Sequence[str]) -> np.ndarray:
    """A 64-bit digest of each text: a paper whose title or abstract changed gets another."""
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little") for t in texts),
        dtype=np.uint64,
        count=len(texts),
    )
