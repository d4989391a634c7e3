import pytest
from core_helpers import make_tone_task


@pytest.fixture
def tone_task(tmp_path):
    """A WebDataset task in the X-ARES layout (wav + flac members, JSON labels), described by a YAML spec."""
    return make_tone_task(tmp_path)
