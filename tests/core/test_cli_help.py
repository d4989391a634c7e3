"""Every command and subcommand explains itself in --help, and nonsense numbers are refused at parse time."""

import argparse

import pytest

from hf_bench.cli import build_parser, main


def _parsers(parser, path=("hf-bench",)):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from _parsers(sub, (*path, name))


def test_every_command_has_a_description():
    found = list(_parsers(build_parser()))
    assert {" ".join(p) for p, _ in found} >= {"hf-bench run", "hf-bench metrics list", "hf-bench zerospeech init",
                                              "hf-bench wu score", "hf-bench finetune", "hf-bench infer"}
    missing = [" ".join(p) for p, sub in found if not (sub.description or "").strip()]
    assert not missing, missing


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_batch_seconds_must_be_positive(value, capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "--encoder", "mfb", "--task", "kws", "--batch-seconds", value])
    assert e.value.code == 2
    assert "--batch-seconds: must be a positive number" in capsys.readouterr().err
