import numpy as np


def _run():
    from hf_bench.encoders import load_encoder
    from hf_bench.features.extract import _encode_clips

    enc = load_encoder("mfb")
    rng = np.random.default_rng(0)
    waves = [(0.1 * rng.normal(size=n)).astype(np.float32) for n in (4000, 9000, 16000, 23000)]
    batched = _encode_clips(enc, [[w] for w in waves], max_items=16, max_seconds=160)  # one padded batch
    alone = np.concatenate([_encode_clips(enc, [[w]], max_items=1, max_seconds=160) for w in waves])
    return batched, alone


def test_masked_mean_never_pools_padding():
    batched, alone = _run()
    np.testing.assert_allclose(batched, alone, rtol=1e-4, atol=1e-4)
