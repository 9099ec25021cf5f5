"""Duplicate feedback: reposts, double-submitted tickets and copies of templated complaints.

Counting the same complaint twice inflates a theme, so every item gets the id of the item it
duplicates. Two kinds:

- exact: the same text once normalised (case, Unicode form, whitespace, punctuation, a
  leading "RT @handle:" and @mentions, links, redaction placeholders such as "[PERSON]").
- near: MinHash LSH over word 3-gram shingles (character 3-grams for Chinese and Japanese),
  each candidate pair confirmed by its true Jaccard similarity ≥ `near_threshold`; texts with
  fewer than `min_shingles` shingles are matched exactly only.

Matching text is not enough: different customers often describe the same problem in the same
words ("I was charged twice for my order."), and each of them counts. A later item is a
duplicate of an earlier one only when it is a repost ("RT @…"), comes from the same customer
(double submission), or is long enough that independent authors would not write it alike
(`min_words_unrelated` words: a circulating form letter) and arrives within
`unrelated_window_days` of it: form letters circulate in bursts, while the same long wording
months apart is two customers who happen to agree.

Items are taken in order (earliest received; ties: larger reach, then the smaller feedback_id)
and each is compared with the items before it only: an exact copy joins the earliest earlier
item with its text that it may copy; any other item with enough shingles takes, among the
earlier non-copies it may duplicate (same customer; any earlier item for a repost; items
within the window for a long text), its `max_candidates` best LSH candidates and links to
each whose similarity passes. Looking only at those keeps marking linear in the history:
the LSH buckets of common wordings grow with every customer who uses them.
Groups are the links closed transitively, and a group's canonical item is its earliest.

Because an item's links depend only on the items before it, marking can be incremental with
the same result as marking everything at once: `item_keys` are computed once per item, and
`link_duplicates` decides a batch of items against the earlier ones the caller passes in
(pipelines/duplicate_marking.py keeps them in the warehouse). MinHash permutations are seeded,
so runs are deterministic.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

DUPLICATE_COLUMNS = ["feedback_id", "canonical_id", "duplicate_kind", "similarity"]
KEY_COLUMNS = ["norm_hash", "is_repost", "n_words", "n_shingles", "bands"]
DECISION_COLUMNS = ["feedback_id", "exact_of"]
LINK_COLUMNS = ["feedback_id", "linked_id", "similarity"]
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

    def fingerprint(self) -> str:
        """Changes whenever any setting does: stored keys and decisions are then recomputed."""
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


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



def _word_count(normalised: str) -> int:
    # Chinese/Japanese have no spaces: count two characters as a word.
    return len(normalised.replace(" ", "")) // 2 if _CJK.search(normalised) else len(normalised.split())


# --- keys: computed once per item ------------------------------------------------------

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_FOLD_PRIME = np.uint64(0x100000001B3)  # FNV-1a's 64-bit prime, to fold a band's rows into one key
_SIGNATURE_BLOCK = 200_000  # shingles hashed at once: bounds the (shingles x permutations) array


def _permutations(config: DuplicateConfig) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.RandomState(config.seed)
    a = generator.randint(1, int(_MERSENNE_PRIME), size=config.num_perm, dtype=np.uint64)
    b = generator.randint(0, int(_MERSENNE_PRIME), size=config.num_perm, dtype=np.uint64)
    return a, b


def minhash_signatures(shingle_sets: list[set[str]], config: DuplicateConfig) -> np.ndarray:
    """One row of `num_perm` minimum hashes per non-empty shingle set (empty sets: all _MAX_HASH).

    Shingles are hashed with CRC-32 (deterministic across processes, unlike hash()); the
    permutations are (a*h + b) mod 2^61-1, seeded, vectorised over blocks of items."""
    a, b = _permutations(config)
    signatures = np.full((len(shingle_sets), config.num_perm), _MAX_HASH, dtype=np.uint64)
    sizes = np.array([len(s) for s in shingle_sets], dtype=np.int64)
    hashes = np.fromiter(
        (zlib.crc32(s.encode("utf-8")) for shingle_set in shingle_sets for s in shingle_set),
        dtype=np.uint64, count=int(sizes.sum()),
    )
    ends = np.cumsum(sizes)
    row = 0
    while row < len(shingle_sets):
        # Rows [row, last) whose shingles fit one block (at least one row).
        first_shingle = ends[row] - sizes[row]
        last = max(row + 1, int(np.searchsorted(ends, first_shingle + _SIGNATURE_BLOCK, side="right")))
        block_sizes = sizes[row:last]
        block = hashes[first_shingle : ends[last - 1]]
        if len(block):
            with np.errstate(over="ignore"):
                permuted = ((block[:, None] * a + b) % _MERSENNE_PRIME) & _MAX_HASH
            filled = np.flatnonzero(block_sizes)
            starts = (np.cumsum(block_sizes) - block_sizes)[filled]
            signatures[row + filled] = np.minimum.reduceat(permuted, starts, axis=0)
        row = last
    return signatures


def band_keys(signatures: np.ndarray, config: DuplicateConfig) -> np.ndarray:
    """(items, lsh_bands) int64 keys: two items share a key when a whole band of rows agrees."""
    keys = np.empty((len(signatures), config.lsh_bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(config.lsh_bands):
            key = np.full(len(signatures), np.uint64(band + 1) * _FOLD_PRIME, dtype=np.uint64)
            for column in range(band * config.lsh_rows, (band + 1) * config.lsh_rows):
                key = (key ^ signatures[:, column]) * _FOLD_PRIME
            keys[:, band] = key
    return keys.view(np.int64)


def _norm_hash(normalised: str) -> int | None:
    if not normalised:
        return None  # empty texts are never duplicates
    return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def item_keys(texts: Iterable[object], config: DuplicateConfig) -> pd.DataFrame:
    """Per text, what marking compares: norm_hash (64-bit hash of the comparison form; None for
    empty text), is_repost, n_words, n_shingles and its LSH band keys (empty below min_shingles)."""
    texts = list(texts)
    normalised = [normalise_for_duplicates(text) for text in texts]
    shingle_sets = [shingles(text, config.shingle_words) for text in normalised]
    banded = [i for i, s in enumerate(shingle_sets) if len(s) >= config.min_shingles]
    keys = band_keys(minhash_signatures([shingle_sets[i] for i in banded], config), config)
    bands: list[list[int]] = [[] for _ in texts]
    for row, i in enumerate(banded):
        bands[i] = keys[row].tolist()
    return pd.DataFrame({
        "norm_hash": pd.array([_norm_hash(text) for text in normalised], dtype="Int64"),
        "is_repost": [isinstance(text, str) and bool(_REPOST_PREFIX.match(text)) for text in texts],
        "n_words": [_word_count(text) for text in normalised],
        "n_shingles": [len(s) for s in shingle_sets],
        "bands": bands,
    })


# --- decisions: each item against the items before it ---------------------------------


def order_items(items: pd.DataFrame) -> pd.DataFrame:
    """Items in marking order: earliest received, then widest reach, then smallest feedback_id."""
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
    feedback_id: str
    text: object
    customer: str | None
    is_repost: bool
    is_long: bool
    received: pd.Timestamp


def _described(ordered: pd.DataFrame, config: DuplicateConfig) -> list[_Item]:
    customers = ordered["customer_id"].tolist() if "customer_id" in ordered else [None] * len(ordered)
    return [
        _Item(
            feedback_id, text,
            str(customer) if customer is not None and not pd.isna(customer) and str(customer) else None,
            bool(is_repost), int(n_words) >= config.min_words_unrelated, received,
        )
        for feedback_id, text, customer, is_repost, n_words, received in zip(
            ordered["_id"], ordered["text"], customers, ordered["is_repost"], ordered["n_words"],
            ordered["_received"], strict=True,
        )
    ]


def _may_duplicate(later: _Item, earlier: _Item, window: pd.Timedelta) -> bool:
    """Matching text makes `later` a copy only if it is a repost, a resend or a long text
    sent soon after."""
    same_customer = later.customer is not None and later.customer == earlier.customer
    return later.is_repost or same_customer or (later.is_long and later.received - earlier.received <= window)


@dataclass
class _Heads:
    """The items heading one comparison text, in order, for the exact-copy rules."""

    ids: list[str] = field(default_factory=list)
    received: list[pd.Timestamp] = field(default_factory=list)
    first_by_customer: dict[str, int] = field(default_factory=dict)

    def add(self, item: _Item) -> None:
        if item.customer is not None:
            self.first_by_customer.setdefault(item.customer, len(self.ids))
        self.ids.append(item.feedback_id)
        self.received.append(item.received)

    def copied_by(self, item: _Item, window: pd.Timedelta) -> str | None:
        """The earliest head `item` may copy (see _may_duplicate), or None."""
        found = []
        if item.is_repost and self.ids:
            found.append(0)
        if item.customer is not None and item.customer in self.first_by_customer:
            found.append(self.first_by_customer[item.customer])
        if item.is_long:
            soon_after = bisect_left(self.received, item.received - window)
            if soon_after < len(self.ids):
                found.append(soon_after)
        return self.ids[min(found)] if found else None


class _ShingleCache:
    def __init__(self, config: DuplicateConfig) -> None:
        self.size = config.shingle_words
        self.sets: dict[str, set[str]] = {}

    def of(self, item: _Item) -> set[str]:
        if item.feedback_id not in self.sets:
            self.sets[item.feedback_id] = shingles(normalise_for_duplicates(item.text), self.size)
        return self.sets[item.feedback_id]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


class _Candidates:
    """Earlier heads with enough shingles, indexed so that an item only looks at those it may
    duplicate: every head for a repost, the customer's own heads, and for a long text the heads
    received within the window."""

    def __init__(self, window: pd.Timedelta) -> None:
        self.window = window
        self.items: list[_Item] = []  # in marking order
        self.bands: list[frozenset[int]] = []
        self.by_band: dict[int, list[int]] = {}  # band key -> positions, in order
        self.received_by_band: dict[int, list[int]] = {}  # ...and their received_at (ns)
        self.by_customer: dict[str, list[int]] = {}

    def add(self, item: _Item, bands: Iterable[int]) -> None:
        position = len(self.items)
        keys = frozenset(int(key) for key in bands)
        received = item.received.value
        for key in keys:
            if key in self.by_band:
                self.by_band[key].append(position)
                self.received_by_band[key].append(received)
            else:
                self.by_band[key] = [position]
                self.received_by_band[key] = [received]
        if item.customer is not None:
            self.by_customer.setdefault(item.customer, []).append(position)
        self.items.append(item)
        self.bands.append(keys)

    def best(self, item: _Item, bands: Iterable[int], limit: int) -> list[_Item]:
        """Up to `limit` heads `item` may duplicate that share a band key with it: most keys
        shared first, then the earlier."""
        keys = frozenset(int(key) for key in bands)
        shared: Counter[int] = Counter()
        window_start = (item.received - self.window).value
        if item.is_repost or item.is_long:
            for key in keys:
                if key not in self.by_band:
                    continue
                positions = self.by_band[key]
                if not item.is_repost:  # a long text: only the heads received within the window
                    positions = positions[bisect_left(self.received_by_band[key], window_start):]
                shared.update(positions)
        for position in self.by_customer.get(item.customer, ()) if item.customer is not None else ():
            if position not in shared:
                common = len(keys & self.bands[position])
                if common:
                    shared[position] = common
        ranked = sorted(shared, key=lambda position: (-shared[position], position))[:limit]
        return [self.items[position] for position in ranked]


def link_duplicates(
    earlier: pd.DataFrame | None, deciding: pd.DataFrame, config: DuplicateConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decide each `deciding` item, in order, against the items before it.

    Both frames have feedback_id, text, received_at, customer_id, reach and the KEY_COLUMNS;
    `earlier` holds items decided before, with exact_of (None: the item heads its text). They
    may come before or after any deciding item in marking order (an incremental run re-decides
    only some items among kept ones); each deciding item sees those before it. For a deciding
    item, `earlier` must include, of the heads before it: per shared norm_hash the first, the
    first of its customer and those received within unrelated_window_days before it; of those
    sharing a band key, those of its customer, those received within that window and, for a
    repost, its max_candidates best. More items do no harm.

    Returns the decisions (DECISION_COLUMNS: exact_of the head an item copies, or None) and
    the near links (LINK_COLUMNS: from a deciding item to an earlier head, with their Jaccard
    similarity), both in marking order.
    """
    window = pd.Timedelta(days=config.unrelated_window_days)
    heads: dict[int, _Heads] = {}
    candidates = _Candidates(window)
    cache = _ShingleCache(config)
    stream = deciding.assign(_deciding=True)
    if earlier is not None and len(earlier):
        kept_heads = earlier[earlier["exact_of"].isna()].drop(columns="exact_of")
        stream = pd.concat([kept_heads.assign(_deciding=False), stream], ignore_index=True)
    ordered = order_items(stream)
    exact_of: list[str | None] = []
    decided: list[str] = []
    links: list[tuple[str, str, float]] = []
    for item, norm_hash, bands, is_deciding in zip(
        _described(ordered, config), ordered["norm_hash"], ordered["bands"], ordered["_deciding"], strict=True
    ):
        if is_deciding:
            group = None if pd.isna(norm_hash) else heads.get(int(norm_hash))
            head = group.copied_by(item, window) if group else None
            decided.append(item.feedback_id)
            exact_of.append(head)
            if head is not None:
                continue
            if len(bands):
                for candidate in candidates.best(item, bands, config.max_candidates):
                    similarity = jaccard(cache.of(item), cache.of(candidate))
                    if similarity >= config.near_threshold and _may_duplicate(item, candidate, window):
                        links.append((item.feedback_id, candidate.feedback_id, round(similarity, 4)))
        if not pd.isna(norm_hash):
            heads.setdefault(int(norm_hash), _Heads()).add(item)
        if len(bands):
            candidates.add(item, bands)
    decisions = pd.DataFrame({"feedback_id": decided, "exact_of": exact_of})
    return decisions, pd.DataFrame(links, columns=LINK_COLUMNS)


# --- groups --------------------------------------------------------------------------


def canonical_ids(edges: pd.DataFrame, order: pd.DataFrame) -> pd.DataFrame:
    """Close (feedback_id, linked_id) edges into groups; each member's canonical_id is its
    group's earliest item in marking order. `order` has feedback_id, received_at and reach for
    every item in an edge. One row per non-canonical member: feedback_id, canonical_id."""
    ordered_ids = order_items(order)["_id"].tolist()
    position = {feedback_id: i for i, feedback_id in enumerate(ordered_ids)}
    parent = list(range(len(ordered_ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(edges["feedback_id"].astype(str), edges["linked_id"].astype(str), strict=True):
        root_a, root_b = find(position[a]), find(position[b])
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)  # the earlier item heads the group
    members = [(feedback_id, ordered_ids[find(i)]) for i, feedback_id in enumerate(ordered_ids) if find(i) != i]
    return pd.DataFrame(members, columns=["feedback_id", "canonical_id"])


def find_duplicates(items: pd.DataFrame, config: DuplicateConfig | None = None) -> pd.DataFrame:
    """One row per item: feedback_id, canonical_id, duplicate_kind, similarity.

    `items` has feedback_id, text, received_at and optionally customer_id and reach. A
    duplicate's canonical_id is the earliest item of its group, duplicate_kind is "exact" (the
    same comparison text as the canonical) or "near", and similarity the Jaccard similarity of
    its shingles to the canonical's (1.0 for exact). Canonical and unique items have
    canonical_id = feedback_id, duplicate_kind None and similarity NaN. Rows come back in
    input order. The whole of marking in memory; the pipeline marks incrementally instead.
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
    described = pd.concat(
        [items.reset_index(drop=True), item_keys(items["text"], config)], axis=1
    ).assign(feedback_id=lambda frame: frame["feedback_id"].astype(str))
    decisions, links = link_duplicates(None, described, config)
    copies = decisions.dropna(subset=["exact_of"]).rename(columns={"exact_of": "linked_id"})
    groups = canonical_ids(pd.concat([copies, links[["feedback_id", "linked_id"]]]), described)
    groups = groups.merge(described[["feedback_id", "text", "norm_hash"]], on="feedback_id").merge(
        described[["feedback_id", "text", "norm_hash"]].add_prefix("canonical_").rename(
            columns={"canonical_feedback_id": "canonical_id"}
        ),
        on="canonical_id",
    )
    groups["duplicate_kind"], groups["similarity"] = membership_kinds(groups, config)
    result = described[["feedback_id"]].merge(groups, on="feedback_id", how="left")
    result["canonical_id"] = result["canonical_id"].fillna(result["feedback_id"])
    result["duplicate_kind"] = result["duplicate_kind"].astype(object).where(result["duplicate_kind"].notna(), None)
    result["feedback_id"] = items["feedback_id"].to_numpy()
    return result[DUPLICATE_COLUMNS]


def membership_kinds(members: pd.DataFrame, config: DuplicateConfig) -> tuple[list[str], list[float]]:
    """duplicate_kind and similarity of each member (columns text, norm_hash, canonical_text,
    canonical_norm_hash): exact when its comparison text is the canonical's, else near with
    the Jaccard similarity of their shingles."""
    kinds, similarities = [], []
    for text, norm_hash, canonical_text, canonical_hash in zip(
        members["text"], members["norm_hash"], members["canonical_text"], members["canonical_norm_hash"], strict=True
    ):
        if not pd.isna(norm_hash) and norm_hash == canonical_hash:
            kinds.append("exact")
            similarities.append(1.0)
            continue
        own = shingles(normalise_for_duplicates(text), config.shingle_words)
        theirs = shingles(normalise_for_duplicates(canonical_text), config.shingle_words)
        kinds.append("near")
        similarities.append(round(jaccard(own, theirs), 4))
    return kinds, similarities
