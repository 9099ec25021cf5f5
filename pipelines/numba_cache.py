"""Keep the machine code numba compiles for UMAP and pynndescent on disk between runs.

A theme fit calls about 200 numba functions of umap-learn and pynndescent. Few of them are
declared ``cache=True``, so every new process compiled them again: about 30 s of a 10k-item
run on 2 cores, more than UMAP's own work. `enable_compiled_code_cache` turns numba's disk
cache on for all of them before their first call; a later process loads the compiled code
instead. Outputs are unchanged: the same code runs, only its compilation is skipped.
(`nn_descent` stays uncached: numba refuses to cache functions that use dynamic globals; the
theme fit skips NNDescent since it passes UMAP exact neighbours, see nlp.themes.exact_neighbours.)
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

# Caching is turned on for the functions these packages define.
CACHED_PACKAGES = ("umap", "pynndescent")


def compiled_code_dir(cache_dir: Path) -> Path:
    """Where the compiled code lives: one folder per version set, since a cached function
    inlines the functions it calls, which may come from another package."""
    versions = "-".join(f"{name}{version(name)}" for name in ("numba", "umap-learn", "pynndescent"))
    return cache_dir / "numba" / versions


def enable_compiled_code_cache(cache_dir: Path) -> Path:
    """Compile UMAP's and pynndescent's numba functions once per machine, not once per process.

    Sets NUMBA_CACHE_DIR (unless already set) under `cache_dir`, imports umap and enables the
    disk cache of every numba function of both packages that does not have one. Returns the
    directory numba caches into.
    """
    os.environ.setdefault("NUMBA_CACHE_DIR", str(compiled_code_dir(cache_dir)))
    from numba import NumbaWarning
    from numba.core import config
    from numba.core.caching import NullCache
    from numba.core.registry import CPUDispatcher

    config.reload_config()  # numba may have read its environment before NUMBA_CACHE_DIR was set
    importlib.import_module("umap")
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in CACHED_PACKAGES:
            continue
        for value in list(vars(module).values()):
            # Dispatchers declared cache=True have a cache already; the others a NullCache.
            if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                value.enable_caching()
    # numba styles the message (ANSI codes first) and names the module by its file path.
    warnings.filterwarnings(
        "ignore", message=".*Cannot cache compiled function", category=NumbaWarning, module=".*pynndescent"
    )
    return Path(config.CACHE_DIR)
