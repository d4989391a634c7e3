import numpy as np


def _pool(enc, waves, max_items):
    import tempfile

    from hf_bench.data import AudioRef, SplitData
    from hf_bench.features.extract import _encode_shard
    from hf_bench.features.store import FeatureStore
    from hf_bench.features.views import POOLED, AudioPolicy, Extraction

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        entry = FeatureStore(tmp).entry({"encoder_fingerprint": "x", "n": max_items}, POOLED)
        split = SplitData("s", [AudioRef(id=str(i), origin=str(i)) for i in range(len(waves))], [None] * len(waves))
        _encode_shard(enc, split, 0, waves, AudioPolicy(), Extraction(batch_items=max_items), {POOLED: entry}, 0)
        entry.finish(1)
        out = entry.read().pooled()
    return out


def test_masked_mean_never_pools_padding():
    from hf_bench.encoders import load_encoder

    enc = load_encoder("mfb")
    rng = np.random.default_rng(0)
    waves = [(0.1 * rng.normal(size=n)).astype(np.float32) for n in (4000, 9000, 16000, 23000)]
    batched = _pool(enc, waves, 16)  # one padded batch
    alone = _pool(enc, waves, 1)
    np.testing.assert_allclose(batched, alone, rtol=1e-4, atol=1e-4)
