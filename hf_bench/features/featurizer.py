"""Which hidden layers a probe reads, and how: one layer, their mean, or a learned softmax-weighted mix.

``--layer`` choices: ``last``, an index (negative counts from the end), ``mean``, ``weighted`` (a learned mix,
s3prl's featuriser: weights start equal) and ``all`` (every layer evaluated on its own). Stored features keep a
layer axis just before the feature axis: pooled ``[N, L, D]``, frames ``[T, L, D]``.
"""

from __future__ import annotations

import numpy as np

from hf_bench.errors import HFBenchError

LAYER_CHOICES = "last, weighted, all, mean or a layer index"


def layer_index(layer: str, num_layers: int) -> int | None:
    """The single layer ``layer`` names (None for mean/weighted); HFBenchError for an unknown or missing layer."""
    if layer in ("weighted", "mean"):
        return None
    if layer == "last":
        return num_layers - 1
    try:
        index = int(layer)
    except ValueError:
        raise HFBenchError(f"unknown layer choice {layer!r}", where="--layer", fix=f"use {LAYER_CHOICES}") from None
    if not -num_layers <= index < num_layers:
        raise HFBenchError(f"layer {index} does not exist: the encoder returns {num_layers} hidden states "
                           f"(0..{num_layers - 1})", where="--layer",
                           fix=f"pick an index between 0 and {num_layers - 1}, or last/weighted/all")
    return index % num_layers


def layers_needed(layer: str, num_layers: int) -> tuple[int, ...] | None:
    """Layers a view must store for ``layer`` (None: all of them)."""
    index = layer_index(layer, num_layers)
    return None if index is None else (index,)


def select_layer(features: np.ndarray, layer: str, stored: tuple[int, ...] | None = None,
                 num_layers: int | None = None) -> np.ndarray:
    """[..., L, D] -> [..., D] for 'last', 'mean' or an index; 'weighted' keeps [..., L, D] for a learned mix.

    ``stored``: the encoder layers the layer axis holds, of ``num_layers`` in all (None: all of them, in order)."""
    if layer == "weighted":
        return features
    if layer == "mean":
        return features.mean(axis=-2)
    if stored is None:
        if layer == "last":
            return features[..., -1, :]
        return features[..., layer_index(layer, features.shape[-2]), :]
    want = layer_index(layer, num_layers)
    if want not in stored:  # views store exactly the layers the run's variants ask for
        raise HFBenchError(f"layer {want} is not among the stored layers {list(stored)}", where="--layer",
                           fix="report this bug: the feature view was built for other layers")
    return features[..., stored.index(want), :]


__all__ = ["select_layer", "layer_index", "layers_needed", "LAYER_CHOICES"]
