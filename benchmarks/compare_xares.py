"""xares 0.1.3 and hf_bench side by side, on the same ESC-50-shaped WebDataset tars and the same encoder module.

    .venv/bin/python benchmarks/compare_xares.py [--clips 2000] [--classes 50] [--seconds 5] [--work DIR]
                                                 [--scaling 500,2000,8000] [--xares-json ROW.json]

What it does, all on this machine and offline except for the package registry:

1. installs xares 0.1.3 into its own venv (``DIR/xares-venv``) with the three workarounds X-ARES needs on a
   CPU-only machine (shared/reference/xares.md §11): torchaudio 2.11's CUDA-linked libraries moved aside (it then
   runs pure-Python), ``torchaudio.load`` served by soundfile (torchcodec is CUDA-linked), ``--max-jobs 0``;
2. writes N synthetic clips in X-ARES's ESC-50 layout: 5 folds x 4 shards ``wds-audio-fold-<k>-00000<s>.tar``,
   members ``<stem>.wav`` (PCM16 mono 44.1 kHz; a class-dependent harmonic tone with amplitude modulation and
   noise) and ``<stem>.json`` = ``{"label": <int>}``;
3. writes an X-ARES-style encoder module (64-band log-mel, 10 ms hop, torch only) that both tools load unchanged;
4. times xares's real CLI stage by stage (encode, then MLP + kNN), hf_bench cold (default protocol and
   ``--compat xares``, each in a fresh process with an empty cache and the tars evicted from the page cache), a
   warm rerun, a ``--rerun`` (probes retrained on cached features), the floor (decode + resample + encoder forward
   only, one process, torch's default threads) and the time to read the tars from disk;
5. times the start-up costs a user pays (``hf-bench --help``, ``hf-bench tasks``, ``import torch``, ``import
   transformers.trainer``);
6. scaling: hf_bench cold (default protocol) on 500, 2000 and 8000 clips of the same kind, stage by stage with
   the peak memory, so the fixed cost and the cost per clip can be read off;
7. prints Markdown tables: wall time per stage, accuracies, the speed-up, the floor, start-up and scaling.

Run it on an idle machine: the 2-core box here is shared, and ratios are only meaningful within one run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SR = 44100

ENCODER = textwrap.dedent('''
    """An X-ARES-style encoder: 64-band log-mel, 25 ms windows every 10 ms, D = 64, no weights (torch only)."""
    import math

    import numpy as np
    import torch


    def _mel_matrix(n_fft=512, n_mels=64, sr=16000, fmin=0.0, fmax=8000.0):
        mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
        hz = lambda m: 700.0 * (10 ** (m / 2595.0) - 1.0)  # noqa: E731
        edges = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
        bins = np.linspace(0, sr / 2, n_fft // 2 + 1)
        fb = np.zeros((n_mels, len(bins)), np.float32)
        for i in range(n_mels):
            lo, c, hi = edges[i:i + 3]
            fb[i] = np.clip(np.minimum((bins - lo) / (c - lo), (hi - bins) / (hi - c)), 0, None)
        return torch.from_numpy(fb)


    class LogMelEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.sampling_rate = 16000
            self.output_dim = 64
            self.hop_size_in_ms = 10
            self.register_buffer("window", torch.hann_window(400))
            self.register_buffer("mel", _mel_matrix())

        def forward(self, audio):
            if audio.ndim == 1:
                audio = audio.unsqueeze(0)
            spec = torch.stft(audio, n_fft=512, hop_length=160, win_length=400, window=self.window, center=True,
                              return_complex=True).abs().pow(2)
            return torch.log(torch.matmul(self.mel, spec) + 1e-6).transpose(1, 2).contiguous()
''')

# torchaudio.load through soundfile: torchaudio >= 2.9 needs torchcodec, whose PyPI builds are CUDA-linked
PATCH = textwrap.dedent('''
    def _install():
        try:
            import soundfile as sf
            import torch
            import torchaudio
        except Exception:
            return

        def load(uri, *args, **kwargs):
            data, sr = sf.read(uri, dtype="float32", always_2d=True)
            return torch.from_numpy(data.T.copy()), sr

        torchaudio.load = load


    _install()
''')


def evict(data: Path) -> None:
    """Drop the tars from the page cache (posix_fadvise DONTNEED), so that a cold run reads them from disk."""
    for tar in sorted(data.glob("*.tar")):
        fd = os.open(tar, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def disk_read(data: Path) -> tuple[float, float]:
    """(seconds, MB) to read every tar sequentially once evicted: the least any tool's decode can take."""
    evict(data)
    t0, size = time.perf_counter(), 0
    for tar in sorted(data.glob("*.tar")):
        with open(tar, "rb") as f:
            while chunk := f.read(1 << 22):
                size += len(chunk)
    return time.perf_counter() - t0, size / 1e6


def log(msg: str) -> None:
    print(f"[compare_xares] {msg}", file=sys.stderr, flush=True)


def run(cmd, *, cwd=None, env=None, capture=True, timeout=None) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, text=True, timeout=timeout,
                          stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout or "")
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}")
    return wall, proc.stdout or ""


# ------------------------------------------------------------------------------------------------ xares venv
def install_xares(venv: Path) -> Path:
    python = venv / "bin" / "python"
    marker = venv / ".xares-ready"
    if marker.is_file():
        return python
    log(f"installing xares 0.1.3 into {venv} (a few minutes the first time)")
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run(pip + ["-U", "pip"])
    run(pip + ["torch==2.13.0"])  # the local CPU wheel, as for hf_bench
    run(pip + ["xares==0.1.3", "soundfile"])
    site = Path(run([str(python), "-c", "import site; print(site.getsitepackages()[0])"])[1].strip().splitlines()[-1])
    lib = site / "torchaudio" / "lib"
    if lib.is_dir():  # CUDA-linked extension libraries: without them torchaudio runs pure-Python
        aside = venv / "torchaudio-lib-moved-aside"
        aside.mkdir(exist_ok=True)
        for so in lib.glob("*.so"):
            shutil.move(str(so), aside / so.name)
    subprocess.run([str(python), "-m", "pip", "uninstall", "-y", "-q", "torchcodec"], capture_output=True)
    (site / "xares_offline_patch.py").write_text(PATCH)
    (site / "xares_offline_patch.pth").write_text("import xares_offline_patch\n")
    run([str(python), "-c", "import torchaudio, xares.task; torchaudio.functional.resample"])
    marker.write_text("ok\n")
    return python


# ------------------------------------------------------------------------------------------------ data
def clip(label: int, index: int, seconds: float, n_classes: int) -> np.ndarray:
    """A 44.1 kHz clip of class ``label``: harmonic tone (class pitch, +-3 % jitter), AM at a class rate, noise."""
    rng = np.random.default_rng([label, index])
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 110.0 * 2 ** (3.0 * label / n_classes) * (1 + 0.03 * rng.uniform(-1, 1))
    decay = 0.5 + 0.5 * (label % 5) / 4
    tone = sum(decay ** k * np.sin(2 * np.pi * f0 * (k + 1) * t + rng.uniform(0, 6.28)) for k in range(6))
    am = 1.0 + 0.5 * np.sin(2 * np.pi * (1.5 + (label % 7)) * t)
    noise = rng.normal(size=n) * 10 ** (-rng.uniform(0, 20) / 20)
    x = tone * am / 4 + noise * np.std(tone)
    return (0.5 * x / np.max(np.abs(x))).astype(np.float32)


def write_data(folder: Path, n_clips: int, n_classes: int, seconds: float) -> None:
    import soundfile as sf

    marker = folder / ".compare_xares.json"
    spec = {"clips": n_clips, "classes": n_classes, "seconds": seconds, "version": 1}
    if marker.is_file() and json.loads(marker.read_text()) == spec:
        return
    log(f"writing {n_clips} clips of {seconds:g} s ({n_classes} classes) into {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    per_fold = n_clips // 5
    for fold in range(1, 6):
        items = [(i, i % n_classes) for i in range((fold - 1) * per_fold, fold * per_fold)]
        for shard in range(4):
            with tarfile.open(folder / f"wds-audio-fold-{fold}-00000{shard}.tar", "w") as tar:
                for i, label in items[shard::4]:
                    buf = io.BytesIO()
                    sf.write(buf, clip(label, i, seconds, n_classes), SR, format="WAV", subtype="PCM_16")
                    for name, data in ((f"{fold}-{i:05d}-A-{label}.wav", buf.getvalue()),
                                       (f"{fold}-{i:05d}-A-{label}.json", json.dumps({"label": label}).encode())):
                        info = tarfile.TarInfo(name)
                        info.size = len(data)
                        tar.addfile(info, io.BytesIO(data))
    marker.write_text(json.dumps(spec))


# ------------------------------------------------------------------------------------------------ runs
_STAMP = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\] (.*)")


def run_xares(python: Path, work: Path, data: Path, threads: int) -> dict:
    env_dir = work / "env" / "esc50"
    if env_dir.exists():
        shutil.rmtree(env_dir)  # embeddings and score files are keyed by class name only: start clean
    env_dir.mkdir(parents=True)
    for tar in sorted(data.glob("wds-audio-fold-*.tar")):
        (env_dir / tar.name).symlink_to(tar)
    (env_dir / ".audio_tar_ready").touch()
    base = [str(python), "-m", "xares.run", "--max-jobs", "0"]
    args = ["logmel_encoder.py", "tasks/esc50_task.py"]
    env = {"OMP_NUM_THREADS": str(threads)}
    evict(data)
    log("xares: encode (stage 1)")
    t_encode, _ = run(base + ["--from-stage", "1", "--to-stage", "1"] + args, cwd=work, env=env)
    log("xares: MLP + kNN (stage 2)")
    t_probes, out = run(base + ["--from-stage", "2", "--to-stage", "2"] + args, cwd=work, env=env)
    clean = re.sub(r"\x1b\[[0-9;]*m", "", out)
    stamps = {}
    for line in clean.splitlines():
        m = _STAMP.search(line)
        if m:
            for key in ("Running run_mlp", "Running KNN", "KNN score of"):
                if key in m.group(2) and key not in stamps:
                    stamps[key] = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"))
    row = next(ln for ln in clean.splitlines() if ln.strip().startswith("ESC-50"))
    mlp, knn = (float(x) for x in row.split()[1:3])
    knn_s = stamps["KNN score of"] - stamps["Running KNN"] if len(stamps) == 3 else float("nan")
    return {"name": "xares 0.1.3", "encode": t_encode, "mlp": t_probes - knn_s, "knn": knn_s,
            "total": t_encode + t_probes, "mlp_acc": mlp, "knn_acc": knn}


# hf-bench in a child that reports its own peak memory (VmHWM: ru_maxrss would carry a parent's peak over exec)
_CLI = ("import sys; from hf_bench.cli import main; rc = main(sys.argv[1:]); "
        "hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')); "
        "print(f'peak_kb {hwm}'); sys.exit(rc)")
_PEAK = re.compile(r"peak_kb (\d+)")
_TIME = re.compile(r"time ([\d.]+)s: load ([\d.]+)s, decode ([\d.]+)s, encode ([\d.]+)s, probes ([\d.]+)s")


def run_hf_bench(work: Path, data_root: Path, encoder: str, compat: str, *, cache: Path, out: Path,
                 extra=()) -> dict:
    cmd = [str(ROOT / ".venv" / "bin" / "python"), "-c", _CLI, "run", "--encoder", encoder, "--task", "esc50",
           "--data-dir",
           str(data_root), "--cache-dir", str(cache), "--output-dir", str(out), "--bootstrap", "0", "--quiet",
           "--compat", compat, *extra]
    wall, text = run(cmd, env={"HF_HUB_OFFLINE": "1"})
    m = _TIME.search(text)
    folder = out / ("LogMelEncoder" + ("" if compat == "default" else f"+{compat}"))
    scores = {p: json.loads((folder / p / "esc50.json").read_text()) for p in ("mlp", "knn")}
    return {"name": f"hf_bench {'default' if compat == 'default' else '--compat ' + compat}",
            "total": wall, "peak_mb": int(_PEAK.search(text).group(1)) / 1024, "decode": float(m.group(3)), "encode": float(m.group(4)), "probes": float(m.group(5)),
            "mlp_probe": scores["mlp"]["timings"]["probe_s"], "knn_probe": scores["knn"]["timings"]["probe_s"],
            "mlp_acc": scores["mlp"]["scores"]["main_score"], "knn_acc": scores["knn"]["scores"]["main_score"]}


def floor(data: Path, encoder_file: Path) -> float:
    """Decode + resample + encoder forward only, one pass, batches of 16 (the least any tool must do)."""
    import importlib.util

    import soundfile as sf
    import soxr
    import torch

    spec = importlib.util.spec_from_file_location("logmel_encoder", encoder_file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    enc = mod.LogMelEncoder().eval()
    t0 = time.perf_counter()
    batch = []
    with torch.inference_mode():
        for tar_path in sorted(data.glob("wds-audio-fold-*.tar")):
            with tarfile.open(tar_path) as tar:
                for m in tar:
                    if m.name.endswith(".wav"):
                        wave, sr = sf.read(io.BytesIO(tar.extractfile(m).read()), dtype="float32")
                        batch.append(soxr.resample(wave, sr, 16000, quality="HQ").astype(np.float32))
                        if len(batch) == 16:
                            enc(torch.from_numpy(np.stack(batch)))
                            batch = []
        if batch:
            enc(torch.from_numpy(np.stack(batch)))
    return time.perf_counter() - t0


def startup() -> list[tuple[str, float]]:
    """Wall time of what every invocation pays, best of three (fresh processes)."""
    py, cli = str(ROOT / ".venv" / "bin" / "python"), str(ROOT / ".venv" / "bin" / "hf-bench")
    rows = []
    for label, cmd in (("hf-bench --help", [cli, "--help"]), ("hf-bench tasks", [cli, "tasks"]),
                       ("python -c 'import torch'", [py, "-c", "import torch"]),
                       ("python -c 'import transformers.trainer'", [py, "-c", "import transformers.trainer"])):
        rows.append((label, min(run(cmd)[0] for _ in range(3))))
    return rows


def scaling(work: Path, encoder: str, sizes: list[int], n_classes: int, seconds: float, known: dict) -> list[dict]:
    """hf_bench cold (default protocol) on ``sizes`` clips each (``known``: rows already measured, by size)."""
    rows = []
    for n in sizes:
        if n in known:
            rows.append({**known[n], "clips": n})
            continue
        root = work / f"data-{n}"
        write_data(root / "xares" / "esc50", n, n_classes, seconds)
        cache, out = work / f"hfb-cache-{n}", work / f"hfb-out-{n}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        evict(root / "xares" / "esc50")
        log(f"scaling: hf_bench cold on {n} clips")
        rows.append({**run_hf_bench(work, root, encoder, "default", cache=cache, out=out), "clips": n})
        shutil.rmtree(cache, ignore_errors=True)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", type=int, default=2000)
    ap.add_argument("--classes", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "compare_xares")
    ap.add_argument("--threads", type=int, default=2, help="xares's torch_num_threads (its default is 2)")
    ap.add_argument("--skip-xares", action="store_true", help="only the hf_bench rows (xares numbers from --xares-json)")
    ap.add_argument("--xares-json", type=Path, default=None, help="reuse a saved xares row")
    ap.add_argument("--scaling", default="500,2000,8000",
                    help="clip counts for the scaling rows, comma-separated ('' for none; default 500,2000,8000)")
    args = ap.parse_args()

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    data_root = work / "data"
    data = data_root / "xares" / "esc50"
    write_data(data, args.clips, args.classes, args.seconds)
    xwork = work / "xares"
    xwork.mkdir(exist_ok=True)
    (xwork / "logmel_encoder.py").write_text(ENCODER)
    encoder = f"{xwork / 'logmel_encoder.py'}:LogMelEncoder"

    rows = []
    if args.xares_json and args.xares_json.is_file():
        rows.append(json.loads(args.xares_json.read_text()))
    elif not args.skip_xares:
        python = install_xares(work / "xares-venv")
        rows.append(run_xares(python, xwork, data, args.threads))
        (work / "xares-row.json").write_text(json.dumps(rows[-1]))
    for compat in ("default", "xares"):
        log(f"hf_bench cold, protocol {compat}")
        cache, out = work / f"hfb-cache-{compat}", work / f"hfb-out-{compat}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        evict(data)
        rows.append(run_hf_bench(work, data_root, encoder, compat, cache=cache, out=out))
        if compat == "default":
            warm = run_hf_bench(work, data_root, encoder, compat, cache=cache, out=out)
            retrain = run_hf_bench(work, data_root, encoder, compat, cache=cache, out=out, extra=["--rerun"])
    log("floor: decode + resample + encoder forward")
    evict(data)
    floor_s = floor(data, xwork / "logmel_encoder.py")
    read_s, read_mb = disk_read(data)
    log("start-up costs")
    starts = startup()
    sizes = [int(v) for v in args.scaling.split(",") if v.strip()]
    default_row = next(r for r in rows if r["name"] == "hf_bench default")
    scaled = scaling(work, encoder, sizes, args.classes, args.seconds, {args.clips: default_row})
    load = os.getloadavg()

    print(f"\n{args.clips} clips x {args.seconds:g} s, {args.classes} classes, ESC-50 layout (5 folds); encoder "
          f"64-band log-mel module; {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min)\n")
    print("| run | decode + encode | MLP (5 folds) | kNN | total wall | MLP acc | kNN acc |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["name"].startswith("xares"):
            print(f"| {r['name']} | {r['encode']:.1f} s | {r['mlp']:.1f} s | {r['knn']:.1f} s | {r['total']:.1f} s | "
                  f"{r['mlp_acc']:.3f} | {r['knn_acc']:.3f} |")
        else:
            print(f"| {r['name']} (cold) | {r['decode'] + r['encode']:.1f} s | {r['mlp_probe']:.1f} s | "
                  f"{r['knn_probe']:.1f} s | {r['total']:.1f} s | {r['mlp_acc']:.3f} | {r['knn_acc']:.3f} |")
    print(f"| hf_bench default, warm rerun | | | | {warm['total']:.1f} s | | |")
    print(f"| hf_bench default, --rerun (probes retrained) | | {retrain['mlp_probe']:.1f} s | "
          f"{retrain['knn_probe']:.1f} s | {retrain['total']:.1f} s | | |")
    print(f"| floor: decode + resample + encoder forward | {floor_s:.1f} s | | | {floor_s:.1f} s | | |")
    print(f"| reading the {read_mb:.0f} MB of tars from disk (evicted from the page cache) | {read_s:.1f} s | | | | | |")
    x = next((r for r in rows if r["name"].startswith("xares")), None)
    if x:
        for r in rows[1:]:
            print(f"\n{r['name']}: {x['total'] / r['total']:.1f}x faster than xares end to end; "
                  f"MLP {r['mlp_acc'] - x['mlp_acc']:+.3f}, kNN {r['knn_acc'] - x['knn_acc']:+.3f} vs xares")
    d = next(r for r in rows if r["name"] == "hf_bench default")
    print(f"hf_bench default cold = {d['total'] / floor_s:.2f}x the floor; warm rerun {warm['total']:.1f} s; "
          f"--rerun {100 * retrain['total'] / d['total']:.0f} % of the cold run")

    print("\n| start-up (best of 3, fresh process) | wall |\n|---|---:|")
    for label, wall in starts:
        print(f"| `{label}` | {wall:.2f} s |")
    if scaled:
        print("\n| hf_bench default, cold | decode (beside encode) | encode | MLP (5 folds) | kNN | total wall | "
              "per clip | peak RSS | MLP acc |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in scaled:
            print(f"| {r['clips']} clips | {r['decode']:.1f} s | {r['encode']:.1f} s | {r['mlp_probe']:.1f} s | "
                  f"{r['knn_probe']:.1f} s | {r['total']:.1f} s | {1000 * r['total'] / r['clips']:.1f} ms | "
                  f"{r['peak_mb']:.0f} MB | {r['mlp_acc']:.3f} |")
        if len(scaled) >= 2:
            a, b = scaled[0], scaled[-1]
            per = (b["total"] - a["total"]) / (b["clips"] - a["clips"])
            print(f"\nlinear fit through {a['clips']} and {b['clips']} clips: {1000 * per:.1f} ms per clip + "
                  f"{a['total'] - per * a['clips']:.1f} s fixed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
