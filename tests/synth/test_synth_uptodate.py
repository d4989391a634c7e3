"""is_up_to_date: True only for a complete generation with the same fingerprint and sizes."""

from __future__ import annotations

import json
import shutil

from synth_helpers import LIMIT, needs_tools

from hf_bench.data import synth
from hf_bench.tasks.schema import GeneratorSource

pytestmark = needs_tools


def _with_source(task, **changes):
    return task.model_copy(update={"source": GeneratorSource(**{**task.source.model_dump(), **changes})})


def test_flips_on_version_seed_limit_and_tools(generated, tasks, tmp_path, monkeypatch):
    task = tasks["gender"]
    folder = tmp_path / "gender"
    shutil.copytree(generated["gender"], folder)
    assert synth.is_up_to_date(task, folder, limit_per_split=LIMIT)
    assert not synth.is_up_to_date(task, folder)  # the full task was not generated, only a prefix
    assert not synth.is_up_to_date(task, folder, limit_per_split=LIMIT - 1)
    assert not synth.is_up_to_date(_with_source(task, generator_version=2), folder, limit_per_split=LIMIT)
    assert not synth.is_up_to_date(_with_source(task, seed=task.source.seed + 1), folder, limit_per_split=LIMIT)
    bigger = task.model_copy(update={"sizes": {**task.sizes, "test": task.sizes["test"] + 1}})
    assert synth.is_up_to_date(bigger, folder, limit_per_split=LIMIT)  # the same first LIMIT clips
    assert not synth.is_up_to_date(bigger, folder)

    real = synth.tool_versions
    monkeypatch.setattr(synth, "tool_versions", lambda tools=synth.ALL_TOOLS: {**real(tools), "espeak-ng": "9.99"})
    assert not synth.is_up_to_date(task, folder, limit_per_split=LIMIT)  # a new espeak-ng may sound different
    monkeypatch.undo()
    assert synth.is_up_to_date(task, folder, limit_per_split=LIMIT)


def test_music_tasks_do_not_depend_on_speech_tools(tasks):
    fp = synth.generator_fingerprint(tasks["pitch"])
    assert "espeak-ng" not in fp["tools"] and "flite" not in fp["tools"]
    assert {"libfluidsynth", "pyfluidsynth", "soundfont_sha256", "numpy"} <= set(fp["tools"])
    fp = synth.generator_fingerprint(tasks["lid"])
    assert "espeak-ng" in fp["tools"] and "soundfont_sha256" not in fp["tools"]


def test_incomplete_or_damaged_folders_are_stale(generated, tasks, tmp_path):
    task = tasks["pitch"]
    for damage in ("no_marker", "bad_json", "no_manifest", "wrong_task"):
        folder = tmp_path / damage
        shutil.copytree(generated["pitch"], folder)
        assert synth.is_up_to_date(task, folder, limit_per_split=LIMIT)
        if damage == "no_marker":
            (folder / "generator.json").unlink()
        elif damage == "bad_json":
            (folder / "generator.json").write_text("{not json")
        elif damage == "no_manifest":
            (folder / "valid" / "manifest.jsonl").unlink()
        else:
            marker = json.loads((folder / "generator.json").read_text())
            (folder / "generator.json").write_text(json.dumps({**marker, "task": "kws"}))
        assert not synth.is_up_to_date(task, folder, limit_per_split=LIMIT), damage
    assert not synth.is_up_to_date(task, tmp_path / "does-not-exist")
