"""UMAP's compiled code is kept on disk: a second process loads it instead of compiling, and
fits exactly the same embedding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from pipelines.numba_cache import compiled_code_dir
from pipelines.settings import PROJECT_ROOT

# Fits a seeded UMAP as nlp.themes does, after enabling the cache; prints numba's cache
# hits and misses over umap's and pynndescent's functions.
FIT_IN_NEW_PROCESS = """
import json, sys
from pathlib import Path
import numpy as np
from numba.core.registry import CPUDispatcher
from pipelines.numba_cache import enable_compiled_code_cache

enable_compiled_code_cache(Path(sys.argv[1]))
from umap import UMAP

vectors = np.random.default_rng(0).normal(size=(400, 16)).astype(np.float32)
layout = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42,
              n_jobs=1, low_memory=True).fit_transform(vectors)
np.save(sys.argv[2], layout)
dispatchers = [value for name, module in list(sys.modules.items())
               if module is not None and name.partition(".")[0] in ("umap", "pynndescent")
               for value in vars(module).values() if isinstance(value, CPUDispatcher)]
print(json.dumps({
    "hits": sum(sum(d.stats.cache_hits.values()) for d in dispatchers),
    "misses": sum(sum(d.stats.cache_misses.values()) for d in dispatchers),
}))
"""


def fit_in_new_process(cache_dir: Path, layout_path: Path) -> dict[str, int]:
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    done = subprocess.run(
        [sys.executable, "-c", FIT_IN_NEW_PROCESS, str(cache_dir), str(layout_path)],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_second_process_loads_compiled_umap_and_fits_the_same(tmp_path: Path) -> None:
    cold = fit_in_new_process(tmp_path, tmp_path / "cold.npy")
    warm = fit_in_new_process(tmp_path, tmp_path / "warm.npy")

    assert cold["hits"] == 0 and cold["misses"] > 50  # compiled, and written to the cache
    assert any(compiled_code_dir(tmp_path).rglob("*.nbi"))
    assert warm["hits"] > 50 and warm["misses"] < cold["misses"] // 10  # loaded from it
    np.testing.assert_array_equal(np.load(tmp_path / "warm.npy"), np.load(tmp_path / "cold.npy"))
