"""Duplicate feedback: reposts, double-submitted tickets and copies of templated complaints.

Counting the same complaint twice inflates a theme, so every item gets the id of the item it
duplicates. Two kinds:

- exact: the same text once normalised (case, Unicode form, whitespace, punctuation, a
  leading "RT @handle:" and @mentions, links, redaction placeholders such as "[PERSON]").
- near: MinHash LSH (datasketch) over word 3-gram shingles (character 3-grams for Chinese
  and Japanese), each candidate pair confirmed by its true Jaccard similarity
  ≥ `near_threshold`; texts with fewer than `min_shingles` shingles are matched exactly only.

Matching text is not enough: different customers often describe the same problem in the same
words ("I was charged twice for my order."), and each of them counts. A later item is a
duplicate of an earlier one only when it is a repost ("RT @…"), comes from the same customer
(double submission), or is long enough that independent authors would not write it alike
(`min_words_unrelated` words: a circulating form letter) and arrives within
`unrelated_window_days` of it: form letters circulate in bursts, while the same long wording
months apart is two customers who happen to agree.

Groups are closed transitively; the canonical item of a group is the earliest received (ties:
larger reach, then the smaller feedback_id), so the result does not depend on input order.
MinHash permutations are seeded, so runs are deterministic.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

DUPLICATE_COLUMNS = ["feedback_id", "canonical_id", "duplicate_kind", "similarity"]
_REPOST_PREFIX = re.compile(r"^\s*RT\s+@\w+:?\s*", re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class DuplicateConfig:
    near_threshold: float = 0.8  # Jaccard similarity of shingle sets
    num_perm: int = 64  # MinHash permutations
    # LSH bands × rows (≤ num_perm). A pair is a candidate with probability 1-(1-J^rows)^bands:
    # 10×6 finds 95% of pairs at J=0.8 and 99% at 0.85, but only 37% at 0.6, which keeps
    # thousands of edited copies of one template from turning quadratic. Candidates are then
    # checked against near_threshold exactly.
    lsh_bands: int = 10
    lsh_rows: int = 6
    max_candidates: int = 100  # per query, most similar first
    shingle_words: int = 3  # words per shingle (CJK: characters per shingle)
    min_shingles: int = 6  # fewer shingles: exact matching only
    # Texts this long (in words) are copies even between different customers.
    min_words_unrelated: int = 25
    # ...and only when they arrive within this many days of each other.
    unrelated_window_days: float = 14.0
    seed: int = 7


def normalise_for_duplicates(text: object) -> str:
    """The comparison form: NFKC, lower case, no repost prefix, mentions, links or placeholders;
    words separated by single spaces (punctuation and emoji dropped)."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _REPOST_PREFIX.sub("", text)
    text = _PLACEHOLDER.sub(" ", _MENTION.sub(" ", _URL.sub(" ", text)))
    return " ".join(_WORD.findall(text.lower()))


def shingles(normalised: str, size: int) -> set[str]:
    """Word n-grams, or character n-grams for text with Chinese/Japanese characters."""
    if _CJK.search(normalised):
        chars = normalised.replace(" ", "")
        return {chars[i : i + size] for i in range(len(chars) - size + 1)}
    words = normalised.split()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def _hash32(value: bytes) -> int:
    # CRC-32: deterministic across processes (unlike hash()) and several times faster than
    # datasketch's default SHA-1; MinHash keeps 32 bits anyway, and pairs are verified exactly.
    return zlib.crc32(value)


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the smaller position (earlier item) wins


def _order(items: pd.DataFrame) -> pd.DataFrame:
    """Items sorted so position 0 of any group is its canonical: earliest, widest reach, smallest id."""
    reach = pd.to_numeric(items["reach"], errors="coerce").fillna(0) if "reach" in items else 0
    return (
        items.assign(
            _received=pd.to_datetime(items["received_at"]),
            _reach=reach,
            _id=items["feedback_id"].astype(str),
        )
        .sort_values(["_received", "_reach", "_id"], ascending=[True, False, True], kind="mergesort")
        .reset_index(drop=True)
    )


@dataclass(frozen=True)
class _Item:
    normalised: str
    customer: str | None
    is_repost: bool
    is_long: bool
    received: pd.Timestamp


def _items(ordered: pd.DataFrame, config: DuplicateConfig) -> list[_Item]:
    customers = ordered["customer_id"].tolist() if "customer_id" in ordered else [None] * len(ordered)
    result = []
    for text, customer, received in zip(ordered["text"], customers, ordered["_received"], strict=True):
        normalised = normalise_for_duplicates(text)
        # Chinese/Japanese have no spaces: count two characters as a word.
        words = len(normalised.replace(" ", "")) // 2 if _CJK.search(normalised) else len(normalised.split())
        result.append(
            _Item(
                normalised,
                str(customer) if customer is not None and not pd.isna(customer) and str(customer) else None,
                isinstance(text, str) and bool(_REPOST_PREFIX.match(text)),
                words >= config.min_words_unrelated,
                received,
            )
        )
    return result


def _may_duplicate(later: _Item, earlier: _Item, window: pd.Timedelta) -> bool:
    """Matching text makes `later` a copy only if it is a repost, a resend or a long text
    sent soon after."""
    same_customer = later.customer is not None and later.customer == earlier.customer
    return later.is_repost or same_customer or (later.is_long and later.received - earlier.received <= window)


def _join_near_duplicates(
    positions: list[int],
    shingle_sets: list[set[str]],
    described: list[_Item],
    groups: _UnionFind,
    config: DuplicateConfig,
) -> None:
    """Union near-duplicates among `positions`: LSH candidates, confirmed by true Jaccard.

    Two guards keep thousands of edited copies of one template from turning quadratic: an
    item already joined to a group does not query the index (an item still on its own that is
    similar to it finds it by its own query), and a query checks only its `max_candidates`
    candidates with the highest MinHash-estimated similarity.
    """
    window = pd.Timedelta(days=config.unrelated_window_days)
    candidates = [p for p in positions if len(shingle_sets[p]) >= config.min_shingles]
    if len(candidates) < 2:
        return
    signatures = MinHash.bulk(
        [[s.encode("utf-8") for s in shingle_sets[p]] for p in candidates],
        num_perm=config.num_perm,
        seed=config.seed,
        hashfunc=_hash32,
    )
    lsh = MinHashLSH(num_perm=config.num_perm, params=(config.lsh_bands, config.lsh_rows))
    row_of = {p: row for row, p in enumerate(candidates)}
    hash_values = np.array([signature.hashvalues for signature in signatures])
    for p, signature in zip(candidates, signatures, strict=True):
        lsh.insert(p, signature, check_duplication=False)
    for p, signature in zip(candidates, signatures, strict=True):
        if groups.find(p) != p:
            continue
        for q in _best_candidates(p, lsh.query(signature), row_of, hash_values, config.max_candidates):
            if groups.find(q) == groups.find(p):
                continue
            earlier, later = min(p, q), max(p, q)
            a, b = shingle_sets[p], shingle_sets[q]
            similar = len(a & b) / len(a | b) >= config.near_threshold
            if similar and _may_duplicate(described[later], described[earlier], window):
                groups.union(p, q)


def _best_candidates(
    p: int, found: list[int], row_of: dict[int, int], hash_values: np.ndarray, limit: int
) -> list[int]:
    """`found` without p, most similar first (estimated from signatures; ties: earlier first)."""
    others = np.array(sorted(q for q in found if q != p), dtype=np.int64)
    if len(others) <= 1:
        return others.tolist()
    rows = np.array([row_of[q] for q in others])
    estimated = (hash_values[rows] == hash_values[row_of[p]]).mean(axis=1)
    order = np.lexsort((others, -estimated))  # stable and deterministic
    return others[order[:limit]].tolist()


def find_duplicates(items: pd.DataFrame, config: DuplicateConfig | None = None) -> pd.DataFrame:
    """One row per item: feedback_id, canonical_id, duplicate_kind, similarity.

    `items` has feedback_id, text, received_at and optionally customer_id and reach. A
    duplicate's canonical_id is the earliest item of its group, duplicate_kind is "exact" or
    "near" and similarity the Jaccard similarity of its shingles to the canonical's (1.0 for
    exact). Canonical and unique items have canonical_id = feedback_id, duplicate_kind None
    and similarity NaN. Rows come back in input order.
    """
    config = config or DuplicateConfig()
    missing = {"feedback_id", "text", "received_at"} - set(items.columns)
    if missing:
        raise ValueError(f"items lack columns {sorted(missing)}")
    if items["feedback_id"].duplicated().any():
        raise ValueError("feedback_id must be unique")
    if items.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == "similarity" else "object") for c in DUPLICATE_COLUMNS}
        )

    ordered = _order(items)
    described = _items(ordered, config)
    normalised = [item.normalised for item in described]

    window = pd.Timedelta(days=config.unrelated_window_days)
    groups = _UnionFind(len(ordered))
    heads_by_text: dict[str, list[int]] = {}  # earliest item of each exact group, per text
    representatives: list[int] = []
    for position, item in enumerate(described):
        if not item.normalised:
            continue
        heads = heads_by_text.setdefault(item.normalised, [])
        head = next((h for h in heads if _may_duplicate(item, described[h], window)), None)
        if head is None:
            heads.append(position)
            representatives.append(position)
        else:
            groups.union(head, position)

    shingle_sets = [shingles(text, config.shingle_words) for text in normalised]
    _join_near_duplicates(representatives, shingle_sets, described, groups, config)

    return _result(ordered, items, normalised, shingle_sets, groups)


def _result(
    ordered: pd.DataFrame,
    items: pd.DataFrame,
    normalised: list[str],
    shingle_sets: list[set[str]],
    groups: _UnionFind,
) -> pd.DataFrame:
    ids = ordered["_id"].tolist()
    canonical_ids, kinds, similarities = [], [], []
    for position in range(len(ordered)):
        root = groups.find(position)
        if root == position:
            canonical_ids.append(ids[position])
            kinds.append(None)
            similarities.append(np.nan)
            continue
        canonical_ids.append(ids[root])
        if normalised[position] == normalised[root]:
            kinds.append("exact")
            similarities.append(1.0)
        else:
            a, b = shingle_sets[position], shingle_sets[root]
            kinds.append("near")
            similarities.append(round(len(a & b) / len(a | b), 4) if a | b else 0.0)
    by_id = pd.DataFrame(
        {"feedback_id": ids, "canonical_id": canonical_ids, "duplicate_kind": kinds, "similarity": similarities}
    ).set_index("feedback_id")
    result = by_id.loc[items["feedback_id"].astype(str)].reset_index()
    result["feedback_id"] = items["feedback_id"].to_numpy()
    result["duplicate_kind"] = result["duplicate_kind"].astype(object).where(result["duplicate_kind"].notna(), None)
    return result[DUPLICATE_COLUMNS]
