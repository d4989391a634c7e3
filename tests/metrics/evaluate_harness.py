"""Run in a fresh interpreter by test_metrics_evaluate.py: load every module through both names, run its doctests.

Usage: python evaluate_harness.py REPO_ROOT OUT.json NAME [NAME...]
The caller sets HF_MODULES_CACHE (a temporary cache where `hf-bench metrics install` put the modules),
HF_EVALUATE_OFFLINE=1 and a working directory outside the repository.
"""

import doctest
import json
import os
import sys
from pathlib import Path


def run_doctests(module) -> dict:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    for test in finder.find(module, module.__name__):
        runner.run(test, out=out.append)
    res = runner.summarize(verbose=False)
    return {"attempted": res.attempted, "failed": res.failed, "output": "".join(out)[-4000:]}


def main() -> None:
    repo, out_path, names = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    import evaluate

    report = {"cwd": os.getcwd(), "evaluate_modules_name": evaluate.config.MODULE_NAME_FOR_DYNAMIC_MODULES,
              "modules_cache": str(evaluate.config.HF_MODULES_CACHE), "modules": {}}
    for name in names:
        entry = report["modules"].setdefault(name, {})
        try:
            metric = evaluate.load(f"hf_bench/{name}")
            mod = sys.modules[type(metric).__module__]
            entry["hub_name_file"] = mod.__file__
            entry["hub_name_class"] = type(metric).__name__
            entry["doctest"] = run_doctests(mod)
        except Exception as e:  # reported, asserted by the test
            entry["hub_name_error"] = f"{type(e).__name__}: {e}"
    os.chdir(repo)
    for name in names:
        entry = report["modules"][name]
        try:
            metric = evaluate.load(f"metrics/{name}")
            mod_file = Path(sys.modules[type(metric).__module__].__file__)
            meta = json.loads(mod_file.with_suffix(".json").read_text())
            entry["local_name_source"] = meta["original file path"]
        except Exception as e:
            entry["local_name_error"] = f"{type(e).__name__}: {e}"
        try:  # the repository root holds an hf_bench/ package folder: the Hub-style name must still resolve
            metric = evaluate.load(f"hf_bench/{name}")
            entry["hub_name_file_from_repo"] = sys.modules[type(metric).__module__].__file__
        except Exception as e:
            entry["hub_name_from_repo_error"] = f"{type(e).__name__}: {e}"
    Path(out_path).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
