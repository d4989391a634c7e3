"""Stored features: every clip is decoded and encoded once per view, then probes read from the store.

``views`` (what is stored: pooled or frames, which layers, dtype; how it was computed), ``store`` (sharded, ragged,
resumable), ``extract`` (one pass fills every view a run needs: ``hf_bench.features.extract.extract``),
``featurizer`` (layer choice and mixing), ``frames`` (batched reads of frame views).
"""

from hf_bench.features.extract import PIPELINE_VERSION, iter_frame_features
from hf_bench.features.featurizer import select_layer
from hf_bench.features.store import FeatureStore, default_cache_dir
from hf_bench.features.views import POOLED, AudioPolicy, Extraction, FeatureView

__all__ = ["PIPELINE_VERSION", "FeatureStore", "FeatureView", "Extraction", "AudioPolicy", "POOLED",
           "default_cache_dir", "iter_frame_features", "select_layer"]
