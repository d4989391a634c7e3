"""``download``: HTTP with resume, md5 verification, safe unpacking; all against 127.0.0.1 or file:// only."""

from __future__ import annotations

import hashlib
import http.server
import io
import socket
import threading
import zipfile

import pytest
import zs_data

from hf_bench.errors import DataError, HFBenchError, OfflineError
from hf_bench.zerospeech.dataset import ZeroSpeechDataset
from hf_bench.zerospeech.download import download_dataset


def _zip_of(root, prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(root).as_posix())
    return buf.getvalue()


@pytest.fixture(scope="module")
def archive_bytes(tmp_path_factory):
    root = zs_data.build_slm21_dataset(tmp_path_factory.mktemp("src") / "ds", index=True)
    return _zip_of(root, prefix="sLM21-dataset/")  # one top-level folder, as release zips often have


class _Server:
    def __init__(self, payload: bytes, ranges: bool = True):
        self.payload, self.ranges, self.requests = payload, ranges, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                rng = self.headers.get("Range")
                outer.requests.append(rng)
                body, status = outer.payload, 200
                if rng and outer.ranges:
                    start = int(rng.split("=")[1].split("-")[0])
                    body, status = outer.payload[start:], 206
                self.send_response(status)
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(outer.payload) - 1}/{len(outer.payload)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sLM21.dataset.zip"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(archive_bytes):
    s = _Server(archive_bytes)
    yield s
    s.close()


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_download_verify_unpack(tmp_path, server, archive_bytes):
    logs = []
    root = download_dataset("sLM21", tmp_path, url=server.url, md5=_md5(archive_bytes), progress=False,
                            log=logs.append)
    assert root == tmp_path / "sLM21-dataset"
    assert (root / "index.json").is_file() and (root / "lexical/dev/gold.csv").is_file()
    assert len(ZeroSpeechDataset("sLM21", root).expected_ids("lexical", "dev")) == 24
    assert not (tmp_path / "sLM21.dataset.zip").exists()  # removed after unpacking
    assert [p.name for p in tmp_path.iterdir()] == ["sLM21-dataset"]  # no temporary leftovers
    assert any("verifying md5" in m for m in logs)
    with pytest.raises(HFBenchError, match="already exists"):
        download_dataset("sLM21", tmp_path, url=server.url, md5=_md5(archive_bytes), progress=False)


def test_download_resumes_with_a_range_request(tmp_path, server, archive_bytes):
    half = len(archive_bytes) // 2
    (tmp_path / "sLM21.dataset.zip.part").write_bytes(archive_bytes[:half])
    root = download_dataset("sLM21", tmp_path, url=server.url, md5=_md5(archive_bytes), keep_archive=True,
                            progress=False)
    assert server.requests == [f"bytes={half}-"]
    assert (tmp_path / "sLM21.dataset.zip").read_bytes() == archive_bytes
    assert (root / "semantic/test/pairs.csv").is_file()


def test_server_without_ranges_restarts(tmp_path, archive_bytes):
    s = _Server(archive_bytes, ranges=False)
    try:
        (tmp_path / "sLM21.dataset.zip.part").write_bytes(b"garbage that must not stay")
        download_dataset("sLM21", tmp_path, url=s.url, md5=_md5(archive_bytes), progress=False)
    finally:
        s.close()
    assert (tmp_path / "sLM21-dataset/index.json").is_file()


def test_md5_mismatch_deletes_the_download(tmp_path, server):
    with pytest.raises(DataError, match="md5 mismatch: expected 0{32}"):
        download_dataset("sLM21", tmp_path, url=server.url, md5="0" * 32, progress=False)
    assert not (tmp_path / "sLM21.dataset.zip").exists() and not (tmp_path / "sLM21-dataset").exists()


def test_official_md5_is_checked_for_a_local_archive(tmp_path, archive_bytes):
    local = tmp_path / "copy.zip"
    local.write_bytes(archive_bytes)
    with pytest.raises(DataError, match="expected 713dd4c2c4ab266c846cb2804c8d9e12"):
        download_dataset("sLM21", tmp_path / "out", archive=local, progress=False)
    assert local.is_file()  # a user's own archive is never deleted
    root = download_dataset("sLM21", tmp_path / "out", archive=local, md5=_md5(archive_bytes), progress=False)
    assert (root / "index.json").is_file() and local.is_file()


def test_offline_fails_with_a_clear_message(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(OfflineError) as e:
        download_dataset("sLM21", tmp_path, url=f"http://127.0.0.1:{port}/sLM21.dataset.zip", progress=False,
                         timeout=5)
    assert "cannot reach the server" in str(e.value) and "--archive FILE" in str(e.value)


def test_file_url_and_missing_gold_warning(tmp_path):
    src = tmp_path / "src"
    (src / "lexical/dev").mkdir(parents=True)
    (src / "lexical/dev/a.wav").write_bytes(b"RIFF")
    archive = tmp_path / "public.zip"
    archive.write_bytes(_zip_of(src))
    logs = []
    root = download_dataset("sLM21", tmp_path / "out", url=archive.as_uri(), progress=False, log=logs.append)
    assert (root / "lexical/dev/a.wav").is_file()
    assert any("no md5 known" in m for m in logs)
    assert any("gold file(s) are missing" in m for m in logs)


def test_unsafe_archive_members_are_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("lexical/dev/gold.csv", "filename\n")
        zf.writestr("../evil.txt", "x")
    archive = tmp_path / "evil.zip"
    archive.write_bytes(buf.getvalue())
    with pytest.raises(DataError, match="outside the dataset"):
        download_dataset("sLM21", tmp_path / "out", archive=archive, md5=_md5(buf.getvalue()), progress=False)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out/sLM21-dataset").exists()


def test_prosaudit_needs_a_url(tmp_path):
    with pytest.raises(HFBenchError, match="no official download URL"):
        download_dataset("prosAudit", tmp_path, progress=False)


def test_cli_download_offline_exit_code(tmp_path, capsys):
    from hf_bench.cli import main

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    code = main(["zerospeech", "download", "sLM21", str(tmp_path), "--url", f"http://127.0.0.1:{port}/x.zip", "-q"])
    assert code == 2 and "cannot reach the server" in capsys.readouterr().err


def test_tar_archives_are_unpacked_with_the_data_filter(tmp_path):
    import tarfile

    src = zs_data.build_prosaudit_dataset(tmp_path / "src")
    archive = tmp_path / "prosaudit.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src, arcname="prosaudit-dataset")
    root = download_dataset("prosAudit", tmp_path / "out", url=archive.as_uri(), progress=False)
    assert root == tmp_path / "out/prosaudit-dataset"
    assert len(ZeroSpeechDataset("prosAudit", root).expected_ids("english", "dev")) == 16
