"""The WenetSpeech-Wu workflow from the command line, on a Wu-Bench copy in the published formats: export, LoRA
fine-tune, infer, score, leaderboard rows, and the lora probe inside `hf-bench run`."""

import json

import pytest

from hf_bench.cli import main
from hf_bench.wu.formats import read_swift, read_wenet
from hf_bench.wu.prompts import PROMPTS


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_export_both_formats(wu_data, tmp_path, capsys):
    d = wu_data["root"]
    code, out, err = _run(["wu", "export", "wu_bench_gender", "--format", "swift", "--split", "test", "--data-dir", d,
                           "-o", tmp_path / "g.jsonl", "--quiet"], capsys)
    assert code == 0, err
    got = read_swift(tmp_path / "g.jsonl")
    src = read_swift(wu_data["bench"] / "gender" / "test.jsonl")
    assert [(s.key, s.answer, s.audio) for s in got] == [(s.key, s.answer, s.audio) for s in src]
    assert {s.prompt for s in got} == {PROMPTS["gender"]}
    code, out, err = _run(["wu", "export", "wu_bench_asr", "--format", "wenet", "--split", "train", "--data-dir", d,
                           "-o", tmp_path / "a.jsonl", "--quiet"], capsys)
    assert code == 0, err
    assert [s.answer for s in read_wenet(tmp_path / "a.jsonl")] == \
        [s.answer for s in read_wenet(wu_data["bench"] / "asr" / "train.jsonl")]


def test_export_needs_a_wu_kind(tmp_path, capsys):
    code, _, err = _run(["wu", "export", "kws", "--format", "swift", "-o", tmp_path / "x.jsonl"], capsys)
    assert code == 2 and "cannot tell whether task kws" in err and "--kind" in err
    code, _, err = _run(["wu", "export", "kws", "--kind", "emotion", "--format", "swift", "-o", tmp_path / "x.jsonl"],
                        capsys)
    assert code == 2 and "have no emotion label" in err and "--label-map" in err


def test_finetune_infer_score_leaderboard(wu_data, models, tmp_path, capsys):
    d, ad = wu_data["root"], tmp_path / "adapters"
    code, out, err = _run(["finetune", "--model", models["qwen2_audio"], "--task", "wu_bench_gender", "--data-dir", d,
                           "-o", ad, "--epochs", "20", "--learning-rate", "1e-2", "--quiet"], capsys)
    assert code == 0, err
    assert "adapters:" in out and "8 items" in out
    meta = json.loads((ad / "hf_bench_adapter.json").read_text())
    assert meta["task"] == {"name": "wu_bench_gender", "version": 1, "kind": "gender", "prompt": PROMPTS["gender"],
                            "data": "wu_bench_gender/train", "items": 8}
    losses = [x["loss"] for x in meta["training"]["losses"]]
    assert losses[-1] < losses[0]
    res = tmp_path / "results.jsonl"
    code, out, err = _run(["infer", "--adapters", ad, "--task", "wu_bench_gender", "--data-dir", d, "-o", res,
                           "--results-dir", tmp_path / "lb", "--quiet"], capsys)  # --model comes from the adapters
    assert code == 0, err
    lines = [json.loads(x) for x in res.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4 and set(lines[0]) == {"messages", "response", "labels", "audios", "key"}
    assert lines[0]["messages"] == [{"role": "user", "content": PROMPTS["gender"]}]
    assert "gender: accuracy" in out
    code, out, err = _run(["wu", "score", res, "--task", "wu_bench_gender", "--data-dir", d, "--json"], capsys)
    assert code == 0, err
    scored = json.loads(out)
    assert scored["kind"] == "gender" and scored["n"] == 4
    acc = sum(x["response"] == x["labels"] for x in lines) / 4
    assert scored["accuracy"] == pytest.approx(acc)
    # the saved result lands in the WenetSpeech-Wu understanding board, beside the published rows
    from hf_bench.leaderboard.table import build_table

    table = build_table([tmp_path / "lb"], progress=False)
    rows = table.df[(table.df.board == "wenetspeech_wu_und") & (table.df.task == "wu_bench_gender")]
    mine = rows[rows.source_kind == "hf_bench"]
    assert len(mine) == 1 and mine.iloc[0].value == pytest.approx(acc)
    assert mine.iloc[0].model == "qwen+LoRA"
    assert (rows.source_kind != "hf_bench").sum() == 3  # Qwen3-Omni, Step-Audio2-mini, Step-Audio2-Wu-Und


def test_score_a_swift_results_file_into_the_leaderboard(wu_data, tmp_path, capsys):
    items = read_swift(wu_data["bench"] / "ast" / "test.jsonl")
    res = tmp_path / "swift_results.jsonl"  # as `swift infer --result_path` writes it: no key, absolute audio paths
    res.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": s.prompt}], "response": s.answer,
                                         "labels": s.answer, "audios": [str(s.audio)]}, ensure_ascii=False)
                             for s in items) + "\n", encoding="utf-8")
    code, out, err = _run(["wu", "score", res, "--data", wu_data["bench"] / "ast" / "test.jsonl", "--output-dir",
                           tmp_path / "lb", "--name", "Step-Audio2-Wu-Und (rerun)"], capsys)
    assert code == 0, err
    assert "ast: BLEU 100" in out
    from hf_bench.leaderboard.table import build_table

    df = build_table([tmp_path / "lb"], progress=False).df
    row = df[(df.source_kind == "hf_bench") & (df.task == "wu_bench_ast")]
    assert len(row) == 1 and row.iloc[0].value == pytest.approx(100.0) and row.iloc[0].probe == "swift"
    code, _, err = _run(["wu", "score", res, "--output-dir", tmp_path / "lb2"], capsys)
    assert code == 2 and "--name" in err


def test_infer_refuses_adapters_of_another_model(wu_data, models, tmp_path, capsys):
    d, ad = wu_data["root"], tmp_path / "ad"
    assert _run(["finetune", "--model", models["whisper"], "--task", "wu_bench_asr", "--data-dir", d, "-o", ad,
                 "--epochs", "1", "--quiet"], capsys)[0] == 0
    code, _, err = _run(["infer", "--model", models["qwen2_audio"], "--adapters", ad, "--task", "wu_bench_asr",
                         "--data-dir", d, "-o", tmp_path / "r.jsonl", "--quiet"], capsys)
    assert code == 2 and "the adapters were trained on whisper" in err
    code, _, err = _run(["infer", "--adapters", ad, "--task", "wu_bench_gender", "--data-dir", d,
                         "-o", tmp_path / "r.jsonl", "--quiet"], capsys)
    assert code == 2 and "trained for asr, this data is gender" in err


@pytest.mark.parametrize("route", ["speech_llm", "whisper"])
def test_lora_probe_in_a_run(wu_data, models, tmp_path, capsys, route):
    task = "wu_bench_gender" if route == "speech_llm" else "wu_bench_asr"
    extra = ["--decoder", models["lm"]] if route == "speech_llm" else ["--lora-model", models["whisper"]]
    code, out, err = _run(["run", "--encoder", "mfb", "--task", task, "--data-dir", wu_data["root"], "--output-dir",
                           tmp_path / "out", "--cache-dir", tmp_path / "cache", "--bootstrap", "0", "--quiet", *extra],
                          capsys)
    assert code == 0, err
    (path,) = (tmp_path / "out").rglob(f"lora/{task}.json")
    result = json.loads(path.read_text())
    assert result["probe"]["name"] == "lora"
    cfg = result["probe"]["config"]
    assert cfg["family"] == ("speech_llm" if route == "speech_llm" else "end_to_end")
    assert cfg["prompt"] == PROMPTS["gender" if route == "speech_llm" else "asr"]
    assert cfg["lora"]["rank"] == 8 and result["probe"]["selected"]["test"]["steps"] > 0
    assert result["task"]["metric"] == ("accuracy" if route == "speech_llm" else "cer")


def test_cer_rows_are_lower_is_better_in_both_wu_tabs(wu_data, tmp_path, capsys):
    from hf_bench.leaderboard.table import build_table
    from hf_bench.leaderboard.views import BoardViews, Query

    items = read_wenet(wu_data["bench"] / "asr" / "test.jsonl")
    res = tmp_path / "asr_results.jsonl"  # one character wrong in every line: a CER between 0 and 100
    res.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": PROMPTS["asr"]}],
                                         "response": "错" + s.answer[1:], "labels": s.answer,
                                         "audios": [str(s.audio)]}, ensure_ascii=False) for s in items) + "\n",
                   encoding="utf-8")
    code, out, err = _run(["wu", "score", res, "--data", wu_data["bench"] / "asr" / "test.jsonl", "--output-dir",
                           tmp_path / "lb", "--name", "mine"], capsys)
    assert code == 0, err
    cer = 100 * len(items) / sum(len(s.answer) for s in items)
    assert f"CER % {cer:.4g}" in out
    table = build_table([tmp_path / "lb"], progress=False)
    for board in ("wenetspeech_wu_asr", "wenetspeech_wu_und"):
        view = BoardViews(table).query(Query(board=board))
        ours = [k for k in view.rows.index if k.startswith("hf_bench")]
        assert len(ours) == 1 and view.rows.loc[ours[0], "wu_bench_asr"] == pytest.approx(cer)
        values = view.rows["wu_bench_asr"].dropna().astype(float)
        best = [k for k, m in view.highlight.get("wu_bench_asr", {}).items() if m == "best"]
        assert best and all(abs(values[k] - values.min()) < 0.01 for k in best)


@pytest.mark.slow
def test_finetune_shares_batches_over_two_processes(wu_data, models, tmp_path):
    """As `accelerate launch` / torchrun start it (RANK, WORLD_SIZE, ... in the environment): the Trainer shares
    the batches of one epoch over both processes, rank 0 alone writes the adapter folder."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ad = tmp_path / "ad"
    cmd = [sys.executable, "-m", "hf_bench.cli", "finetune", "--model", str(models["whisper"]), "--task",
           "wu_bench_gender", "--data-dir", str(wu_data["root"]), "-o", str(ad), "--epochs", "2", "--quiet"]
    env = {**os.environ, "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    procs = [subprocess.Popen(cmd, env={**env, "RANK": str(r), "LOCAL_RANK": str(r)}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for r in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-2000:] for _, e in outs]
    assert sum(o.count("adapters:") for o, _ in outs) == 1
    meta = json.loads((ad / "hf_bench_adapter.json").read_text())
    # 8 items, batch 4 per process, 2 processes: one step per epoch
    assert meta["training"]["processes"] == 2 and meta["training"]["steps"] == 2 and meta["task"]["items"] == 8
