import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ft_helpers import tiny_lm, tiny_qwen2_audio, tiny_whisper, wu_bench  # noqa: E402

TEXTS = ("男性", "女性", "中立", "高兴", "难过", "惊讶", "生气", "儿童", "少年", "青年", "中年", "老年")


@pytest.fixture(scope="session")
def wu_data(tmp_path_factory):
    """<data>/corpora/wenetspeech_wu_bench laid out as the published formats, with generated Mandarin audio."""
    return wu_bench(tmp_path_factory.mktemp("wu_data"))


@pytest.fixture(scope="session")
def models(tmp_path_factory, wu_data):
    root = tmp_path_factory.mktemp("tiny_models")
    texts = TEXTS + tuple(wu_data["texts"])
    return {"whisper": tiny_whisper(root / "whisper", texts), "qwen2_audio": tiny_qwen2_audio(root / "qwen", texts),
            "lm": tiny_lm(root / "lm", texts), "lm_plain": tiny_lm(root / "lm_plain", texts, chat=False)}
