"""Install the ``evaluate`` modules of ``metrics/`` so that ``evaluate.load("hf_bench/<name>")`` works offline.

How evaluate 0.4.6 resolves ``"hf_bench/<name>"`` (``evaluate.loading.evaluation_module_factory``):

1. ``./hf_bench/<name>/<name>.py`` relative to the current directory, if it exists;
2. otherwise the Hub Space ``hf_bench/<name>``; offline (``HF_EVALUATE_OFFLINE=1``, or no network) this fails;
3. then ``CachedEvaluationModuleFactory("hf_bench--<name>")``: the most recently modified
   ``<HF_MODULES_CACHE>/evaluate_modules/metrics/hf_bench--<name>/<64-hex hash>/<name>.py``, imported as
   ``evaluate_modules.metrics.hf_bench--<name>.<hash>.<name>``.

Installing = writing step 3's layout, exactly as evaluate writes it after a Hub download (``__init__.py`` files,
the script, and its ``<name>.json`` record). The hash directory is the SHA-256 of the script, and older hash
directories of our modules are removed so that the installed version is the only, hence the latest, one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from hf_bench.errors import HFBenchError
from hf_bench.utils.io import atomic_write_bytes, atomic_write_json, ensure_dir

NAMESPACE = "hf_bench"
DYNAMIC_MODULES = "evaluate_modules"  # evaluate.config.MODULE_NAME_FOR_DYNAMIC_MODULES


@dataclass(frozen=True)
class InstalledModule:
    name: str
    load_name: str       # what to pass to evaluate.load
    source: Path
    installed: Path


def default_modules_cache() -> Path:
    """evaluate's HF_MODULES_CACHE, resolved the way evaluate.config does (without importing evaluate)."""
    env = os.environ.get("HF_MODULES_CACHE")
    if env:
        return Path(env).expanduser()
    hf_home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(hf_home).expanduser() / "modules"


def module_sources_dir() -> Path:
    """The repository's ``metrics/`` folder (hf_bench is installed editable from a checkout)."""
    import hf_bench

    path = Path(hf_bench.__file__).resolve().parent.parent / "metrics"
    if not path.is_dir():
        raise HFBenchError(
            "the evaluate module sources (the repository's metrics/ folder) are not next to the hf_bench package",
            where=path,
            fix="install hf_bench editable from a checkout of the repository: pip install -e /path/to/hf_bench")
    return path


def module_names() -> list[str]:
    from hf_bench.metrics.registry import METRICS

    return list(METRICS)


def module_source(name: str, sources: Path | None = None) -> Path:
    src = (sources or module_sources_dir()) / name / f"{name}.py"
    if not src.is_file():
        raise HFBenchError(f"evaluate module {name!r} is missing", where=src,
                           fix="restore the metrics/ folder of the repository (git checkout -- metrics)")
    return src


def _touch_init(directory: Path) -> None:
    init = directory / "__init__.py"
    if not init.exists():
        atomic_write_bytes(init, b"")


def install_modules(cache_dir: str | os.PathLike | None = None,
                    names: list[str] | None = None) -> list[InstalledModule]:
    """Copy every module (or ``names``) into evaluate's modules cache; returns what was installed where."""
    root = Path(cache_dir).expanduser() if cache_dir else default_modules_cache()
    sources = module_sources_dir()
    wanted = names or module_names()
    known = set(module_names())
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise HFBenchError(f"unknown metric module(s): {', '.join(unknown)}", where="names",
                           fix=f"choose from: {', '.join(sorted(known))}")
    srcs = {name: module_source(name, sources) for name in wanted}
    metrics_dir = ensure_dir(root / DYNAMIC_MODULES / "metrics")
    for d in (root, root / DYNAMIC_MODULES, metrics_dir):
        _touch_init(d)
    done = []
    for name, src in srcs.items():
        code = src.read_bytes()
        digest = hashlib.sha256(code).hexdigest()
        module_dir = ensure_dir(metrics_dir / f"{NAMESPACE}--{name}")
        _touch_init(module_dir)
        for old in module_dir.iterdir():
            if old.is_dir() and len(old.name) == 64 and old.name != digest:
                shutil.rmtree(old, ignore_errors=True)
        target_dir = ensure_dir(module_dir / digest)
        _touch_init(target_dir)
        target = target_dir / f"{name}.py"
        atomic_write_bytes(target, code)  # a fresh mtime also makes it evaluate's "most recent" version
        atomic_write_json(target_dir / f"{name}.json", {"original file path": str(src), "local file path": str(target)})
        done.append(InstalledModule(name, f"{NAMESPACE}/{name}", src, target))
    return done
