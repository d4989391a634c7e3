"""Cached features: every clip is decoded and encoded once per cache key, then probes read from memory."""

from hf_bench.features.cache import FeatureCache, default_cache_dir
from hf_bench.features.extract import PIPELINE_VERSION, extract_pooled, iter_frame_features, select_layer

__all__ = ["PIPELINE_VERSION", "FeatureCache", "default_cache_dir", "extract_pooled", "iter_frame_features", "select_layer"]
