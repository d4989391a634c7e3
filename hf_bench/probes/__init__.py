"""Probes trained on stored features: one module per probe, one registry (``hf_bench.probes.registry``).

``clip_mlp`` (X-ARES's linear probe on pooled features), ``frame_mlp`` (the same head on every frame),
``clip_knn`` (X-ARES's kNN); ``mlp`` is the Trainer-based engine the two MLPs share.
"""

from hf_bench.probes.base import Fold, Probe, ProbeData, ProbeSettings
from hf_bench.probes.clip_knn import KNNConfig, knn_scores
from hf_bench.probes.mlp import MLPConfig, mlp_probe
from hf_bench.probes.registry import PROBES, check_probe_names, probe_names, probes_for

__all__ = ["PROBES", "Probe", "ProbeData", "ProbeSettings", "Fold", "KNNConfig", "MLPConfig", "check_probe_names",
           "knn_scores", "mlp_probe", "probe_names", "probes_for"]
