"""Probes trained on cached features: the X-ARES linear MLP (via transformers' Trainer) and a kNN."""

from hf_bench.probes.heads import Head, make_head
from hf_bench.probes.knn import KNNConfig, knn_probe
from hf_bench.probes.mlp import MLPConfig, mlp_probe

PROBES = ("mlp", "knn")

__all__ = ["PROBES", "Head", "KNNConfig", "MLPConfig", "knn_probe", "make_head", "mlp_probe"]
