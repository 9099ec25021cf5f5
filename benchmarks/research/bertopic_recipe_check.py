"""Check that the recommended recipe works inside BERTopic itself (AgglomerativeClustering
passed as `hdbscan_model`) and reproduces scale_checks' number for the same 5,000 texts.

Usage: python bertopic_recipe_check.py DATASET_DIR CACHE_DIR
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from bertopic import BERTopic
from sklearn.cluster import AgglomerativeClustering
from umap import UMAP

import banking77_experiments as bx


def main(dataset_dir: Path, cache_dir: Path) -> None:
    frame = pd.concat([pd.read_csv(dataset_dir / n) for n in ("train.csv", "test.csv")], ignore_index=True)
    vectors = bx.load_embeddings(cache_dir, "minilm")
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=5000, replace=False))
    docs = frame["text"].iloc[rows].tolist()
    model = BERTopic(
        umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=bx.SEED, low_memory=True),
        hdbscan_model=AgglomerativeClustering(n_clusters=None, linkage="ward", distance_threshold=0.07 * math.sqrt(len(docs))),
    )
    topics, _ = model.fit_transform(docs, embeddings=vectors[rows])
    truth = frame["category"].to_numpy()[rows]
    bx.record(cache_dir, bx.score("bertopic_recipe_ward0.07sqrtn", "minilm", truth, np.asarray(topics), 0.0, group="recipe"))
    print(model.get_topic_info().head(5)[["Topic", "Count", "Name"]])


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
