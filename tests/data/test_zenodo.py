"""Zenodo downloads against a local HTTP server serving a record archive laid out like X-ARES's ESC-50 record."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile

import numpy as np
import pytest
from data_testutil import audio_bytes, write_tar

from hf_bench.audio import decode
from hf_bench.data import dataset_fingerprint, download_task_data, encode_targets, load_task_data
from hf_bench.data.zenodo import DONE_MARKER, download_zenodo, task_data_dir
from hf_bench.errors import DataError, OfflineError
from hf_bench.tasks.schema import ZenodoFile
from hf_bench.tasks.xares import get_xares_task


class _Server:
    """Serves one archive with Range support; can drop the connection after ``cut_after`` bytes once."""

    def __init__(self, payload: bytes):
        self.payload, self.cut_after, self.requests = payload, None, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(dict(self.headers))
                if not self.path.endswith("/files-archive"):
                    self.send_error(404)
                    return
                data, start = outer.payload, 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_after is not None:
                    self.wfile.write(body[: outer.cut_after])
                    self.wfile.flush()
                    outer.cut_after = None
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/records/14614287/files-archive"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _esc50_archive(tmp_path):
    """A zip with the ESC-50 record's tar names (wds-audio-fold-<k>-000000.tar), two clips per fold."""
    tars = {}
    for k in range(1, 6):
        samples = [(f"{k}-{i}-A", "wav" if i else "flac", audio_bytes("FLAC" if not i else "WAV", freq=200 + 40 * k + i),
                    {"label": (7 * k + i) % 50}) for i in range(2)]
        tars[f"wds-audio-fold-{k}-000000.tar"] = write_tar(tmp_path / "src" / f"fold{k}.tar", samples).read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in tars.items():
            zf.writestr(name, blob)
    return buf.getvalue(), tars


@pytest.fixture
def served(tmp_path):
    payload, tars = _esc50_archive(tmp_path)
    server = _Server(payload)
    yield server, tars
    server.close()


def _task(url, files=()):
    task = get_xares_task("esc50")
    return task.model_copy(update={"source": task.source.model_copy(update={"archive_url": url, "files": files})})


def test_download_verify_unzip_and_load(tmp_path, served):
    server, tars = served
    name = "wds-audio-fold-3-000000.tar"
    task = _task(server.url, (ZenodoFile(name=name, md5=hashlib.md5(tars[name]).hexdigest(),
                                         sha256=hashlib.sha256(tars[name]).hexdigest()),))
    root = tmp_path / "data"
    with pytest.raises(OfflineError) as e:  # not downloaded yet: says what and where
        load_task_data(task, data_root=root, progress=False)
    msg = str(e.value)
    assert "hf-bench prepare --task esc50" in msg and server.url in msg and str(task_data_dir(task, root)) in msg

    summary = download_task_data(task, data_root=root, progress=False)
    dest = task_data_dir(task, root)
    assert "esc50" in summary and str(dest) in summary
    assert sorted(p.name for p in dest.glob("*.tar")) == sorted(tars)
    assert (dest / DONE_MARKER).is_file() and not list(dest.glob("*.zip*"))
    assert len(server.requests) == 1
    download_zenodo(task.source, dest, progress=False)  # done marker: no second request
    assert len(server.requests) == 1

    splits = load_task_data(task, data_root=root, progress=False)
    assert list(splits) == [f"fold{k}" for k in range(1, 6)] and all(len(s) == 2 for s in splits.values())
    assert splits["fold2"].labels == [14, 15]
    np.testing.assert_array_equal(encode_targets(task, splits["fold2"]), [14, 15])
    wav = decode(splits["fold1"].refs[0], target_sr=16000, expected_sr=task.sample_rate, downmix=task.downmix)
    assert wav.shape == (4000,)
    fp = dataset_fingerprint(task, splits)
    assert fp == dataset_fingerprint(task, load_task_data(task, data_root=root, progress=False))


def test_wrong_checksum(tmp_path, served):
    server, _ = served
    name = "wds-audio-fold-1-000000.tar"
    task = _task(server.url, (ZenodoFile(name=name, md5="0" * 32),))
    dest = task_data_dir(task, tmp_path)
    with pytest.raises(DataError) as e:
        download_zenodo(task.source, dest, progress=False)
    msg = str(e.value)
    assert name in msg and "md5 checksum mismatch" in msg and "0" * 32 in msg
    assert not (dest / name).exists() and not (dest / DONE_MARKER).exists()


def test_interrupted_download_resumes_with_range(tmp_path, served):
    server, tars = served
    task = _task(server.url)
    dest = task_data_dir(task, tmp_path)
    cut = len(server.payload) // 3
    server.cut_after = cut
    with pytest.raises(OfflineError, match="interrupted"):
        download_zenodo(task.source, dest, progress=False)
    part = dest / "14614287.zip.part"
    assert part.stat().st_size == cut and not (dest / DONE_MARKER).exists()

    download_zenodo(task.source, dest, progress=False)
    assert server.requests[-1].get("Range") == f"bytes={cut}-"
    assert all((dest / n).read_bytes() == blob for n, blob in tars.items())
    assert (dest / DONE_MARKER).is_file() and not part.exists()


def test_server_unreachable(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/records/14614287/files-archive"
    task = _task(url)
    with pytest.raises(OfflineError) as e:
        download_zenodo(task.source, task_data_dir(task, tmp_path), progress=False, timeout=5)
    assert "cannot reach" in str(e.value) and url in str(e.value)


def test_corrupt_archive_is_deleted(tmp_path):
    server = _Server(b"PK\x03\x04 this is not a zip")
    try:
        task = _task(server.url)
        dest = task_data_dir(task, tmp_path)
        with pytest.raises(DataError, match="not a valid zip"):
            download_zenodo(task.source, dest, progress=False)
        assert not list(dest.glob("*.zip*"))
    finally:
        server.close()


def test_partial_record_on_disk(tmp_path, served):
    _, tars = served
    task = _task("http://127.0.0.1:9/none")
    dest = task_data_dir(task, tmp_path)
    dest.mkdir(parents=True)
    (dest / "wds-audio-fold-1-000000.tar").write_bytes(tars["wds-audio-fold-1-000000.tar"])
    with pytest.raises(DataError) as e:
        load_task_data(task, data_root=tmp_path, progress=False)
    assert "fold2 (wds-audio-fold-2-*.tar)" in str(e.value)


@pytest.mark.network
def test_real_zenodo_record_is_reachable(tmp_path):
    """Only with HF_BENCH_NETWORK=1: the smallest X-ARES record (GTZAN) downloads and loads."""
    task = get_xares_task("gtzan_genre")
    download_zenodo(task.source, task_data_dir(task, tmp_path), progress=True)
    splits = load_task_data(task, data_root=tmp_path, progress=False)
    assert sum(len(s) for s in splits.values()) == 1000
