"""The 22 public X-ARES tasks: every entry validates and matches the X-ARES 0.1.3 facts."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from hf_bench.tasks.schema import TaskMetadata
from hf_bench.tasks.xares import XARES_EXTRAS, XARES_KNN_PUBLIC_WEIGHT, XARES_PUBLIC_WEIGHT, XARES_TASKS, get_xares_task

EXPECTED = {  # name: (type, metric, main_score, eval_weight, do_knn, n classes or None, folds or None)
    "asvspoof2015": ("clip_classification", "accuracy", "accuracy", 2000, True, 2, None),
    "clotho": ("retrieval", "audio_text_recall", "recall@1", 1045, False, None, None),
    "cremad": ("clip_classification", "accuracy", "accuracy", 1116, True, 6, None),
    "desed": ("frame_multilabel", "segment_f1", "f1", 1153, False, 10, None),
    "esc50": ("clip_classification", "accuracy", "accuracy", 400, True, 50, 5),
    "fluentspeechcommands": ("clip_classification", "accuracy", "accuracy", 2000, True, 248, None),
    "freemusicarchive": ("clip_classification", "accuracy", "accuracy", 800, True, 8, None),
    "fsd50k": ("clip_multilabel", "mean_average_precision", "map", 2000, False, 200, None),
    "fsdkaggle2018": ("clip_classification", "accuracy", "accuracy", 1600, False, 41, None),
    "gtzan_genre": ("clip_classification", "accuracy", "accuracy", 100, True, 10, 10),
    "libricount": ("clip_classification", "accuracy", "accuracy", 1144, True, 11, 5),
    "librispeech": ("asr", "iwer", "iwer", 10000, False, None, None),
    "librispeechmalefemale": ("clip_classification", "accuracy", "accuracy", 2620, True, 2, None),
    "maestro": ("frame_multilabel", "segment_f1", "f1", 65, False, 87, None),
    "nsynthinstument": ("clip_classification", "accuracy", "accuracy", 2000, True, 11, None),
    "ravdess": ("clip_classification", "accuracy", "accuracy", 360, True, 8, 4),
    "speechcommandsv1": ("clip_classification", "accuracy", "accuracy", 2000, True, 30, None),
    "urbansound8k": ("clip_classification", "accuracy", "accuracy", 873, True, 10, 10),
    "vocalimitations": ("clip_classification", "accuracy", "accuracy", 1867, True, 302, 3),
    "vocalsound": ("clip_classification", "accuracy", "accuracy", 2000, True, 6, None),
    "voxceleb1": ("clip_classification", "accuracy", "accuracy", 2000, True, 1251, None),
    "voxlingua33": ("clip_classification", "accuracy", "accuracy", 1609, True, 33, None),
}


def test_all_22_validate_and_are_unique():
    assert len(XARES_TASKS) == 22
    names = [t.name for t in XARES_TASKS]
    assert len(set(names)) == 22 and set(names) == set(EXPECTED)
    assert "nsynthinstument" in names  # X-ARES's spelling is kept
    doc = json.loads(resources.files("hf_bench.tasks").joinpath("xares_tasks.json").read_text(encoding="utf-8"))
    for entry in doc["tasks"]:  # the raw file, not only the loaded tuple, validates
        TaskMetadata.model_validate(entry["task"])
    assert set(XARES_EXTRAS) == set(names)


def test_weights():
    assert sum(t.eval_weight for t in XARES_TASKS) == 38752 == XARES_PUBLIC_WEIGHT
    assert sum(t.eval_weight for t in XARES_TASKS if t.do_knn) == 22889 == XARES_KNN_PUBLIC_WEIGHT
    assert sum(t.do_knn for t in XARES_TASKS) == 16


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_task_facts(name):
    task = get_xares_task(name)
    typ, metric, main, weight, knn, ncls, nfolds = EXPECTED[name]
    assert (task.type, task.metric, task.main_score, task.eval_weight, task.do_knn) == (typ, metric, main, weight, knn)
    assert task.num_classes == ncls
    assert (len(task.folds) if task.folds else None) == nfolds
    assert task.benchmark == "xares" and task.downmix is True and task.sample_rate is None
    assert task.source.kind == "zenodo" and task.source.files == ()
    assert task.source.archive_url == f"https://zenodo.org/api/records/{task.source.record_id}/files-archive"
    assert set(task.source.tar_globs) == set(task.split_names)
    assert "checksums are not recorded" in task.description
    assert task.license and task.homepage and task.display_name
    assert task.probe.epochs and task.probe.batch_size


def test_specific_xares_details():
    assert get_xares_task("cremad").labels == ("H", "S", "A", "F", "D", "N")  # X-ARES class-map order
    assert get_xares_task("esc50").labels[:3] == ("0", "1", "2")
    assert get_xares_task("maestro").labels[0] == "21" and get_xares_task("maestro").labels[-1] == "107"
    desed = get_xares_task("desed")
    assert desed.metric_args == {"average": "macro", "time_resolution": 1.0} and desed.splits[1] == desed.splits[2]
    assert get_xares_task("maestro").metric_args == {"average": "micro", "time_resolution": 0.1}
    clotho = get_xares_task("clotho")
    assert clotho.splits == ("clotho_development", "clotho_evaluation", "clotho_validation")
    assert clotho.metric_args == {} and clotho.label_key == "." and clotho.probe.text_encoder == "all-minilm-l6-v2"
    assert "clotho_validation" in clotho.description  # X-ARES's split swap is recorded
    assert get_xares_task("librispeech").label_key == "trans"
    assert get_xares_task("librispeech").source.record_id == get_xares_task("librispeechmalefemale").source.record_id
    esc = get_xares_task("esc50")
    assert esc.folds == ("fold1", "fold2", "fold3", "fold4", "fold5")
    assert esc.source.tar_globs["fold3"] == "wds-audio-fold-3-*.tar"
    assert get_xares_task("gtzan_genre").source.tar_globs["fold0"] == "gtzan_fold_0_0000000.tar"
    crops = {t.name: t.crop.length_s for t in XARES_TASKS if t.crop.mode != "none"}
    assert crops == {"clotho": 30.0, "freemusicarchive": 10.0, "fsd50k": 10.0, "librispeechmalefemale": 5.0,
                     "voxceleb1": 6.0, "voxlingua33": 10.0}
    assert all(t.crop.mode == "sequential" for t in XARES_TASKS if t.crop.mode != "none")
    assert get_xares_task("asvspoof2015").probe.epochs == 5 and get_xares_task("asvspoof2015").probe.batch_size == 64
    assert XARES_EXTRAS["fluentspeechcommands"]["batch_size_encode"] == 1
    assert get_xares_task("voxlingua33").sizes == {"dev": 1609}
    with pytest.raises(KeyError, match="esc50"):
        get_xares_task("esc_50")
