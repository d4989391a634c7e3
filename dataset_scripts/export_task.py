"""Publish a task's data as an HF dataset (Parquet with an ``Audio`` feature), the way hf_bench tasks ship.

    python dataset_scripts/export_task.py TASK --out DIR [--push-to-hub ORG/NAME] [--data-dir DIR]

Writes the Hub layout ``DIR/data/<split>-00000-of-00001.parquet`` (columns ``id``, ``audio`` {bytes, path},
``label``), a dataset card ``DIR/README.md`` with the task metadata, and ``DIR/eval.yaml`` registering the task as a
Hub benchmark (hub-docs eval-results format). ``--push-to-hub`` uploads the folder (needs the network and a token).
The exported folder is itself a valid hf_bench task source: the printed spec snippet evaluates it as a local
``parquet`` task, which is how the tests check the round trip.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _label_column(labels: list):
    """Labels as native Arrow values: strings, numbers, lists of class names (multi-label), lists of event
    structs, caption lists or objects; they read back as the same Python values. Only labels Arrow cannot type
    as one column (mixed kinds) fall back to JSON text."""
    import pyarrow as pa

    try:
        return pa.array(labels)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array([json.dumps(v) if isinstance(v, (list, dict)) else v for v in labels])


def export(task_name: str, out: Path, data_dir: Path | None = None) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from hf_bench.data import load_task_data
    from hf_bench.features.store import default_cache_dir
    from hf_bench.tasks import get_task
    from hf_bench.utils.io import atomic_open, atomic_write_text

    task = get_task(task_name)
    splits = load_task_data(task, data_root=data_dir or default_cache_dir() / "data", progress=True)
    written = {}
    for name, split in splits.items():
        audio = []
        for ref in split.refs:
            data = ref.read_bytes()
            if data is None:
                data = Path(ref.path).read_bytes()
            audio.append({"bytes": data, "path": Path(ref.origin.split(":")[-1]).name})
        table = pa.table({"id": [r.id for r in split.refs],
                          "audio": pa.array(audio, type=pa.struct([("bytes", pa.binary()), ("path", pa.string())])),
                          task.label_key: _label_column(split.labels)})
        # the `datasets` Audio feature is declared in the schema metadata, as datasets itself writes it
        features = {"id": {"dtype": "string", "_type": "Value"}, "audio": {"_type": "Audio"}}
        table = table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})})
        path = out / "data" / f"{name}-00000-of-00001.parquet"
        with atomic_open(path, "wb") as f:
            pq.write_table(table, f)
        written[name] = path
    from hf_bench.probes.registry import probes_for

    meta = task.model_dump(mode="json")
    card = ["---", yaml.safe_dump({"license": "other", "task_categories": ["audio-classification"],
                                   "configs": [{"config_name": "default", "data_files": [
                                       {"split": n, "path": f"data/{n}-*.parquet"} for n in splits]}]},
                                  sort_keys=False).strip(), "---", "", f"# {task.display_name} (hf_bench task `{task.name}` v{task.version})",
            "", task.description, "", f"License: {task.license}", "", "```json", json.dumps(meta, indent=2), "```", ""]
    atomic_write_text(out / "README.md", "\n".join(card))
    atomic_write_text(out / "eval.yaml", yaml.safe_dump({
        "name": f"{task.display_name} (hf_bench)", "description": task.description.split("\n")[0],
        "evaluation_framework": "hf_bench",
        "tasks": [{"id": f"{task.name}_{p}", "config": "default", "split": (task.splits or task.folds)[-1]}
                  for p in dict.fromkeys(c.name for c in probes_for(task))]}, sort_keys=False))
    return written


def spec_snippet(task_name: str, out: Path) -> str:
    """A task spec (YAML) that evaluates the exported folder as a local ``parquet`` task: the same labels,
    targets and metric as the original (``hf-bench run --task <file>``)."""
    import yaml

    from hf_bench.tasks import get_task

    task = get_task(task_name)
    names = task.folds or task.splits
    data = {"format": "parquet", "root": str(Path(out).resolve()), "label_key": task.label_key}
    if task.folds:
        data["folds"] = {f: f"data/{f}-*.parquet" for f in task.folds}
    else:
        data.update({role: f"data/{name}-*.parquet" for role, name in zip(("train", "valid", "test"), names)})
    spec = {"name": f"{task.name}_export", "type": task.type, "domain": task.domain,
            "languages": list(task.languages) or None, "labels": list(task.labels) if task.labels else None,
            "metric": task.metric, "metric_args": task.metric_args or None,
            "text_normalization": task.text_normalization if task.type in ("asr", "translation", "slu") else None,
            "sample_rate": task.sample_rate, "downmix": task.downmix or None, "eval_weight": task.eval_weight,
            "license": task.license, "description": f"{task.display_name}, exported by dataset_scripts/export_task.py",
            "data": data}
    return yaml.safe_dump({k: v for k, v in spec.items() if v is not None}, sort_keys=False, allow_unicode=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("task")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--push-to-hub", metavar="REPO_ID", default=None)
    args = ap.parse_args(argv)
    written = export(args.task, args.out, args.data_dir)
    for split, path in written.items():
        print(f"{split}: {path}")
    print("\nspec snippet (save as a .yaml file and run `hf-bench run --task that.yaml`):\n")
    print(spec_snippet(args.task, args.out))
    if args.push_to_hub:
        from huggingface_hub import HfApi

        HfApi().upload_folder(folder_path=str(args.out), repo_id=args.push_to_hub, repo_type="dataset")
        print(f"pushed to https://huggingface.co/datasets/{args.push_to_hub}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
