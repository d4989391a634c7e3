"""audio -> encoder -> stored features, for every view a run needs, in one pass.

Each shard of a split (``shard_plan``: at most ``SHARD_SIZE`` clips and about ``SHARD_SECONDS`` of audio) is
decoded once (soundfile + soxr in ``hf_bench.audio``), cut per the task's crop policy, encoded once, and every
requested view that still lacks the shard is filled from that one encoder output:

- ``pooled``: per hidden layer, the mean over the item's *valid* frames (a clip cut into several crops is the
  frame-weighted mean of its crops). Padded frames are never pooled (X-ARES pools them: ``Extraction.padding``);
- ``frames``: the valid frames of the selected layers, appended to the shard as soon as they exist.

Batches group clips of similar length (little padding); encoders whose outputs see the padding get batches of one
length only. A shard already on disk is not decoded again, so a killed run resumes at the first missing shard,
and several processes can fill the shards of one entry (``shards=``) before any of them marks it complete.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np

from hf_bench.errors import EncoderError, HFBenchError
from hf_bench.features.featurizer import select_layer
from hf_bench.features.store import FeatureStore, StoreEntry
from hf_bench.features.views import AudioPolicy, Extraction, FeatureView
from hf_bench.utils.threads import ThreadPlan, limited, plan_threads

if TYPE_CHECKING:
    from hf_bench.data import AudioRef, SplitData
    from hf_bench.encoders.base import Encoder

log = logging.getLogger("hf_bench")

# Bump when a change here can change features (pooling, batching that changes numerics, cropping).
PIPELINE_VERSION = 1
POOLING = "masked_mean"
SHARD_SIZE = 256
# a shard also stops at about this much audio, judged from the encoded size as if it were 16 kHz 16-bit PCM
SHARD_SECONDS = 1800.0
_PCM_BYTES_PER_SECOND = 32000
# frame views: valid frames may differ from what the declared hop implies by this much (frame labels would drift)
FRAME_TOLERANCE_FRAMES = 2
FRAME_TOLERANCE_RATIO = 0.005


@dataclass
class StageTimes:
    decode_s: float = 0.0
    encode_s: float = 0.0
    cached: bool = True
    clips_decoded: int = 0
    clips_encoded: int = 0

    def add(self, other: "StageTimes") -> None:
        self.decode_s += other.decode_s
        self.encode_s += other.encode_s
        self.cached = self.cached and other.cached
        self.clips_decoded += other.clips_decoded
        self.clips_encoded += other.clips_encoded


# ------------------------------------------------------------------------------------------------ planning
def ref_nbytes(ref: "AudioRef") -> int:
    if ref.data is not None:
        return len(ref.data)
    if ref.tar_size is not None:
        return int(ref.tar_size)
    try:
        return os.path.getsize(ref.path) if ref.path is not None else 0
    except OSError:
        return 0


def shard_plan(refs: Sequence["AudioRef"], *, size: int | None = None, seconds: float | None = None,
               multiple: int = 1) -> list[tuple[int, int]]:
    """Contiguous ``(lo, hi)`` item ranges: at most ``size`` clips and about ``seconds`` of audio each, every
    shard but the last a whole number of ``multiple`` clips (X-ARES's padded batches must not straddle shards)."""
    size = max(multiple, (size or SHARD_SIZE) // multiple * multiple)
    budget = (seconds or SHARD_SECONDS) * _PCM_BYTES_PER_SECOND
    plan, lo, acc = [], 0, 0
    for i, ref in enumerate(refs):
        nbytes = ref_nbytes(ref)
        if i > lo and (i - lo) % multiple == 0 and (i - lo >= size or acc + nbytes > budget):
            plan.append((lo, i))
            lo, acc = i, 0
        acc += nbytes
    if lo < len(refs):
        plan.append((lo, len(refs)))
    return plan


def length_batches(lengths: Sequence[int], *, max_items: int, max_samples: int,
                   exact: bool = False) -> list[list[int]]:
    """Group indices of similar length: sorted by length, each batch's padded size stays under ``max_samples``.
    ``exact``: only equal lengths share a batch (no padding at all), for encoders whose outputs see padding."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[i]  # sorted ascending: the newcomer is the longest so far
        if current and (len(current) >= max_items or longest * (len(current) + 1) > max_samples
                        or (exact and lengths[current[-1]] != longest)):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def crop_wave(wave: np.ndarray, policy: AudioPolicy, sr: int, *, pad_short: bool = False) -> list[np.ndarray]:
    """Apply the task's crop policy: one or several pieces of the clip.

    Sequential crops drop the remainder like X-ARES; a clip shorter than one crop is kept whole, or, with
    ``pad_short`` (X-ARES's ``pad_last``), zero-padded to the crop length.
    """
    if policy.crop_mode == "none":
        return [wave]
    size = max(1, int(round(policy.crop_s * sr)))
    if policy.crop_mode == "truncate":
        return [wave[:size]]
    if len(wave) < size:
        if not pad_short:
            return [wave]
        padded = np.zeros(size, dtype=wave.dtype)
        padded[:len(wave)] = wave
        return [padded]
    return [wave[k * size:(k + 1) * size] for k in range(len(wave) // size)]


def _padded(waves: list[np.ndarray]):
    """Zero-padded float32 batch [B, N_max] and the true lengths [B]."""
    import torch

    lengths = torch.tensor([len(w) for w in waves], dtype=torch.long)
    batch = torch.zeros(len(waves), int(lengths.max()), dtype=torch.float32)
    for row, w in enumerate(waves):
        batch[row, : len(w)] = torch.from_numpy(w)
    return batch, lengths


def _exact_batches(encoder: "Encoder") -> bool:
    # X-ARES modules never see the true lengths: padding would leak into their frames (and make features
    # depend on batch composition, which no cache key covers)
    return not getattr(encoder, "padding_invariant", True)


def _pool(hidden, frames):
    """Masked mean over time of stacked hidden states [B, L, T, D] -> float32 [B, L, D]."""
    import torch

    mask = (torch.arange(hidden.shape[2])[None, :] < frames[:, None]).to(hidden.dtype)  # [B, T]
    pooled = (hidden * mask[:, None, :, None]).sum(dim=2) / frames[:, None, None].to(hidden.dtype)
    return pooled.numpy().astype(np.float32)


def _read_members(refs: Sequence["AudioRef"]) -> list["AudioRef"]:
    """Tar members read in one forward pass per tar file (one handle, increasing offsets) instead of one
    open-seek-read each; other refs are returned as they are."""
    from dataclasses import replace

    out = list(refs)
    by_tar: dict = {}
    for i, ref in enumerate(refs):
        if ref.data is None and ref.tar_offset is not None and ref.path is not None and ref.tar_size is not None:
            by_tar.setdefault(ref.path, []).append(i)
    for path, idx in by_tar.items():
        try:
            f = open(path, "rb")
        except OSError:
            continue  # each clip reports the problem itself, naming the member
        with f:
            for i in sorted(idx, key=lambda i: refs[i].tar_offset):
                ref = refs[i]
                try:
                    f.seek(ref.tar_offset)
                    blob = f.read(ref.tar_size)
                except OSError:
                    continue
                if len(blob) == ref.tar_size:  # short: the clip's own read reports the truncation
                    out[i] = replace(ref, data=blob)
    return out


def _decode_all(refs: Sequence["AudioRef"], policy: AudioPolicy, sr: int, resampler: str, workers: int = 1
                ) -> list[np.ndarray]:
    from hf_bench.audio import decode

    def one(ref):
        return decode(ref, target_sr=sr, expected_sr=policy.expected_sr, downmix=policy.downmix, resampler=resampler)

    refs = _read_members(refs)
    if workers <= 1 or len(refs) < 8:
        return [one(r) for r in refs]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, refs))


def _decoded_ahead(shards: list[tuple[int, Callable[[], list[np.ndarray]]]]) -> Iterator[tuple[int, list, float]]:
    """(shard, waveforms, seconds spent decoding) in order; shard ``s + 1`` is decoded in a background thread
    while the caller encodes shard ``s``. An error in decoding is raised here, at that shard."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce():
        for s, job in shards:
            if stop.is_set():
                return
            t0 = time.perf_counter()
            try:
                item = (s, job(), time.perf_counter() - t0, None)
            except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
                item = (s, None, 0.0, e)
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item[3] is not None:
                return

    thread = threading.Thread(target=produce, name="hf_bench-decode", daemon=True)
    thread.start()
    try:
        for _ in shards:
            s, waves, seconds, error = q.get()
            if error is not None:
                raise error
            yield s, waves, seconds
    finally:
        stop.set()
        thread.join()


# ------------------------------------------------------------------------------------------------ keys
def store_key(encoder: "Encoder", policy: AudioPolicy, split: "SplitData", audio_fp: str, view: FeatureView,
              extraction: Extraction) -> dict:
    """Everything a stored view depends on. The split's audio identity, not its task: tasks share features."""
    key = {
        "encoder_id": encoder.id, "encoder_fingerprint": encoder.fingerprint(), "sampling_rate": encoder.sampling_rate,
        "audio": audio_fp, "num_items": len(split.refs), "audio_policy": policy.key(),
        "extraction": extraction.key(), "view": view.key(),
        "pooling": POOLING, "pipeline_version": PIPELINE_VERSION, "shard_size": SHARD_SIZE,
        "shard_seconds": SHARD_SECONDS,
    }
    if view.kind == "frames":
        key["item_shape"] = [len(view.stored_layers(encoder.num_layers)), encoder.dim]
        key["hop_ms"] = float(encoder.hop_ms)
    return key


# ------------------------------------------------------------------------------------------------ extraction
@dataclass
class _Item:
    clip: int                  # position of the source clip in the split
    pieces: list[int]          # indices into the shard's pieces, in time order


def _plan_items(piece_clip: list[int], batches: list[list[int]], dedup: bool) -> list[_Item]:
    if not dedup:
        by_clip: dict[int, list[int]] = {}
        for p, c in enumerate(piece_clip):
            by_clip.setdefault(c, []).append(p)
        return [_Item(c, ps) for c, ps in sorted(by_clip.items())]
    items = []
    for batch in batches:  # X-ARES keys a crop by (file, batch): later crops of a clip in the same batch vanish
        seen = set()
        for p in batch:
            if piece_clip[p] not in seen:
                seen.add(piece_clip[p])
                items.append(_Item(piece_clip[p], [p]))
    return items


def _check_frames(encoder: "Encoder", ref: "AudioRef", samples: int, frames: int) -> None:
    expected = int(encoder.expected_frames(samples))
    if abs(frames - expected) > max(FRAME_TOLERANCE_FRAMES, FRAME_TOLERANCE_RATIO * expected):
        seconds = samples / encoder.sampling_rate
        raise EncoderError(
            f"{ref.origin}: {seconds:.1f} s of audio gave {frames} frames, but the declared hop "
            f"{float(encoder.hop_ms):g} ms implies {expected}; frame labels would drift by "
            f"{abs(frames - expected) * float(encoder.hop_ms) / 1000:.2f} s by the end of the clip",
            where=f"encoder {encoder.id!r}",
            fix="declare the hop the encoder really has (hop_size_in_ms / hop_ms), or make it emit one frame per "
                "hop on long inputs too (check with `hf-bench check-encoder`)")


def extract(encoder: "Encoder", split: "SplitData", views: Sequence[FeatureView], *, policy: AudioPolicy,
            audio_fp: str, store: FeatureStore, extraction: Extraction = Extraction(), progress: bool = True,
            label: str = "", shards: Callable[[int], bool] | None = None, threads: "ThreadPlan | None" = None
            ) -> tuple[dict[FeatureView, StoreEntry], StageTimes]:
    """Fill every view of ``split`` that is not stored yet; returns the entries (complete unless ``shards``
    restricted this call to some shards and others are still missing) and the time spent. Shard ``s + 1`` is
    decoded (``threads.decode`` workers) while shard ``s`` is encoded (``threads.torch`` threads; default: the
    plan ``hf_bench.utils.threads.plan_threads`` makes from the free cores)."""
    from tqdm.auto import tqdm

    times = StageTimes()
    entries = {v: store.entry(store_key(encoder, policy, split, audio_fp, v, extraction), v) for v in views}
    todo = [v for v, e in entries.items() if not e.complete]
    if not todo:
        return entries, times
    plan = shard_plan(split.refs, multiple=extraction.batch_items if extraction.padding == "xares" else 1)
    mine = [s for s in range(len(plan)) if shards is None or shards(s)]
    missing = {s: [v for v in todo if not entries[v].shard_done(s)] for s in mine}
    work = {s: vs for s, vs in missing.items() if vs}
    if work:
        times.cached = False
    bar = tqdm(total=sum(plan[s][1] - plan[s][0] for s in work), desc=f"{label or split.name}: encode",
               unit="clip", disable=not progress or not work, leave=False)
    threads = threads or plan_threads()

    order = list(work)

    def decoder(s):
        lo, hi = plan[s]
        workers = threads.total if s == order[0] else threads.decode  # the first shard: nothing to encode yet
        return lambda: _decode_all(split.refs[lo:hi], policy, encoder.sampling_rate, extraction.resampler, workers)

    try:
        with limited(threads):
            import torch

            for s, waves, decode_s in _decoded_ahead([(s, decoder(s)) for s in order]):
                lo, hi = plan[s]
                torch.set_num_threads(threads.total if s == order[-1] else threads.torch)  # the last: nothing beside
                for v in work[s]:
                    entries[v].clear_partial(s)  # a killed run's half-written files of this shard
                t1 = time.perf_counter()
                _encode_shard(encoder, split, lo, waves, policy, extraction, {v: entries[v] for v in work[s]}, s)
                times.decode_s += decode_s  # in the background thread, beside the encoding
                times.encode_s += time.perf_counter() - t1
                times.clips_decoded += hi - lo
                times.clips_encoded += hi - lo
                bar.update(hi - lo)
    finally:
        bar.close()
    for v in todo:
        entries[v].finish(len(plan))
    return entries, times


def _encode_shard(encoder, split, lo, waves, policy: AudioPolicy, extraction: Extraction,
                  targets: dict[FeatureView, StoreEntry], shard: int) -> None:
    import torch

    sr = encoder.sampling_rate
    pieces, piece_clip = [], []
    for c, wave in enumerate(waves):
        for piece in crop_wave(wave, policy, sr, pad_short=extraction.pad_short_crops):
            pieces.append(piece)
            piece_clip.append(lo + c)
    if extraction.data_order:
        size = extraction.batch_items
        batches = [list(range(i, min(len(pieces), i + size))) for i in range(0, len(pieces), size)]
    else:
        batches = length_batches([len(p) for p in pieces], max_items=extraction.batch_items,
                                 max_samples=int(extraction.batch_seconds * sr), exact=_exact_batches(encoder))
    items = _plan_items(piece_clip, batches, extraction.dedup_crops)
    owner = {p: i for i, item in enumerate(items) for p in item.pieces}
    pooled_view = next((v for v in targets if v.kind == "pooled"), None)
    frame_views = [v for v in targets if v.kind == "frames"]
    if pooled_view is not None:
        sums = np.zeros((len(items), encoder.num_layers, encoder.dim), np.float64)
        weights = np.zeros(len(items), np.float64)
    writers = {}
    pending: dict[int, dict[int, np.ndarray]] = {}  # item -> piece -> frames, until every piece of the item is in
    samples = np.zeros(len(items), np.int64)
    frames_total = np.zeros(len(items), np.int64)
    try:
        for v in frame_views:
            writers[v] = targets[v].frame_writer(shard, len(items), len(v.stored_layers(encoder.num_layers)),
                                                 encoder.dim)
        for batch in batches:
            batch = [p for p in batch if p in owner]  # crops dropped by the X-ARES de-duplication are not encoded
            if not batch:
                continue
            wavs, lengths = _padded([pieces[p] for p in batch])  # X-ARES: every frame of the padded batch is valid
            valid_samples = lengths.numpy()  # before X-ARES padding counts every sample as audio
            out = encoder.encode(wavs, lengths if extraction.padding == "masked" else
                                 torch.full_like(lengths, wavs.shape[1]))
            frames = out.lengths.clamp(min=1)
            counts = frames.numpy()
            if pooled_view is not None:
                pooled = _pool(torch.stack(out.hidden_states, dim=1), frames)
            for row, p in enumerate(batch):
                i = owner[p]
                samples[i] += int(valid_samples[row])
                frames_total[i] += int(counts[row])
                if pooled_view is not None:  # numpy int64 scalars: the float64 products the cache always held
                    sums[i] += pooled[row] * counts[row]
                    weights[i] += counts[row]
                if frame_views:
                    if extraction.padding == "masked":
                        _check_frames(encoder, split.refs[items[i].clip], len(pieces[p]), int(frames[row]))
                    pending.setdefault(i, {})[p] = np.stack(
                        [h[row, : int(frames[row])].numpy() for h in out.hidden_states], axis=1)  # [T, L, D]
                    if len(pending[i]) == len(items[i].pieces):
                        parts = pending.pop(i)
                        full = np.concatenate([parts[q] for q in items[i].pieces], axis=0)
                        for v, w in writers.items():
                            w.add(i, items[i].clip, int(samples[i]), full[:, list(v.stored_layers(encoder.num_layers))])
        for w in writers.values():
            w.close()
    except BaseException as e:
        for w in writers.values():
            w.abort(e)
        raise
    if pooled_view is not None:
        index = np.stack([[it.clip for it in items], frames_total, samples, np.arange(len(items))], axis=1)
        targets[pooled_view].write_pooled(shard, index, (sums / weights[:, None, None]).astype(np.float32))


# ------------------------------------------------------------------------------------------------ estimates
def estimate_frames_bytes(encoder: "Encoder", policy: AudioPolicy, refs: Sequence["AudioRef"],
                          view: FeatureView) -> tuple[int, float]:
    """(bytes on disk, seconds of audio) a frames view of ``refs`` will take, from the audio headers."""
    from hf_bench.audio import probe_seconds

    seconds = 0.0
    for ref in refs:
        s = probe_seconds(ref)
        s = s if s is not None else ref_nbytes(ref) / _PCM_BYTES_PER_SECOND
        seconds += min(s, policy.crop_s) if policy.crop_mode == "truncate" else s
    frames = seconds * 1000.0 / float(encoder.hop_ms)
    per_frame = len(view.stored_layers(encoder.num_layers)) * encoder.dim * view.np_dtype.itemsize
    return int(frames * per_frame), seconds


# ------------------------------------------------------------------------------------------------ convenience
def read_entry(entry: StoreEntry, redo: Callable[[], StoreEntry]):
    """Read a complete entry; a damaged one is recomputed once (its good shards are kept)."""
    try:
        return entry.read()
    except (HFBenchError, OSError, ValueError):
        log.warning("%s: stored features are damaged; recomputing the missing shards", entry.path)
    try:
        return redo().read()
    except (OSError, ValueError) as e:
        raise HFBenchError(f"stored features cannot be read back ({e})", where=entry.path,
                           fix="check the disk (space, permissions), then rerun: finished shards are kept") from None


def iter_frame_features(encoder: "Encoder", paths: Sequence[str | os.PathLike], *, layer: str = "last",
                        cache_dir: str | os.PathLike | None = None, batch_size: int = 8,
                        progress: bool = True) -> Iterator[tuple[Path, np.ndarray]]:
    """Frame features [T, D] (float32) of one hidden layer per audio file, in input order (ZeroSpeech).

    A thin user of the feature store: the files form one split, stored as a frames view of the chosen layer, so
    each file is decoded and encoded once and an interrupted job resumes at the first missing shard.
    """
    from hf_bench.data import AudioRef, SplitData
    from hf_bench.data.fingerprint import files_fingerprint

    if layer in ("weighted", "all", "mean"):
        raise HFBenchError(f"layer {layer!r} is not available for frame features", where="--layer",
                           fix="pass 'last' or a layer index")
    select_layer(np.zeros((1, encoder.num_layers, 1), np.float32), layer)  # a clear error for a missing layer
    index = encoder.num_layers - 1 if layer == "last" else int(layer) % encoder.num_layers
    paths = [Path(p) for p in paths]
    refs = [AudioRef(id=str(p.resolve()), origin=str(p), path=p) for p in paths]
    split = SplitData("files", refs, [None] * len(refs))
    view = FeatureView("frames", (index,), "float32")
    fp = files_fingerprint(paths)

    def run():
        return extract(encoder, split, [view], policy=AudioPolicy(downmix=True), audio_fp=fp,
                       store=FeatureStore(cache_dir), extraction=Extraction(batch_items=batch_size),
                       progress=progress, label="frame features")[0][view]

    stored = read_entry(run(), run)
    for i, p in enumerate(paths):
        yield p, np.array(stored.frames(i)[:, 0], dtype=np.float32)


__all__ = ["PIPELINE_VERSION", "POOLING", "SHARD_SIZE", "StageTimes", "extract",
           "iter_frame_features", "estimate_frames_bytes", "shard_plan", "length_batches", "crop_wave",
           "store_key", "read_entry", "select_layer"]
