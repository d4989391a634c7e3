"""The LeBenchmark corpus readers on miniature copies of each corpus, laid out and formatted like the releases."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from data_testutil import tone

from hf_bench.audio import decode
from hf_bench.data.corpora import READERS, CorpusReader
from hf_bench.data.corpora.mtedx import DONE_MARKER
from hf_bench.errors import DataError, HFBenchError, OfflineError, TaskSpecError


def audio(path: Path, seconds: float, *, sr: int = 16000, channels: int = 1, fmt: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, tone(220.0, sr=sr, seconds=seconds, channels=channels), sr,
             format=fmt or path.suffix[1:].upper(), subtype=None if fmt == "MP3" else "PCM_16")
    return path


def samples(ref, sr=16000) -> int:
    return int(round(ref.end_s * sr)) - int(round(ref.start_s * sr))


def test_registry_and_interface():
    assert set(READERS) == {"commonvoice", "etape", "media", "mtedx", "recola", "allosat", "wenetspeech_wu"}
    for name, reader in READERS.items():
        assert isinstance(reader, CorpusReader) and reader.name == name
        assert reader.title and reader.licence and reader.how_to_get and reader.layout
        assert set(reader.split_map) == {"train", "valid", "test"}
    assert [n for n, r in READERS.items() if r.downloadable] == ["mtedx", "wenetspeech_wu"]
    with pytest.raises(HFBenchError, match="cannot be downloaded") as e:
        READERS["etape"].download(Path("/nonexistent"), {})
    assert "ELRA-E0046" in str(e.value)
    with pytest.raises(TaskSpecError, match="unknown option.*'pairs'"):
        READERS["mtedx"].missing(Path("/nonexistent"), {"pairs": "fr-en"})
    with pytest.raises(DataError, match="unknown split 'dev'"):
        READERS["recola"].read(Path("/nonexistent"), "dev", {})


# ------------------------------------------------------------------------------------------------ Common Voice
CV_HEADER = "client_id\tpath\tsentence_id\tsentence\tsentence_domain\tup_votes\tdown_votes\tage\tgender\taccents\tvariant\tlocale\tsegment"


def cv_row(clip, sentence):
    return f"c0ffee\t{clip}\tsid\t{sentence}\t\t2\t0\ttwenties\tfemale_feminine\t\t\tfr\t"


def make_cv(root: Path, *, durations: bool = True):
    rows = {"train": [("a.mp3", 1.0, 'Il a dit "bonjour"  à  tous.'), ("b.mp3", 11.0, "Une phrase trop longue."),
                      ("c.mp3", 2.0, "   "), ("d.mp3", 1.5, "Deux mots")],
            "dev": [("e.mp3", 11.0, "Longue mais en dev."), ("f.mp3", 1.0, "Court.")],
            "test": [("g.mp3", 1.0, "Test.")]}
    lines = ["clip\tduration[ms]"]
    for split, items in rows.items():
        (root / f"{split}.tsv").parent.mkdir(parents=True, exist_ok=True)
        (root / f"{split}.tsv").write_text("\n".join([CV_HEADER] + [cv_row(c, s) for c, _, s in items]) + "\n",
                                           encoding="utf-8")
        for clip, secs, _ in items:
            audio(root / "clips" / clip, secs, sr=8000, fmt="MP3")
            lines.append(f"{clip}\t{int(secs * 1000)}")
    if durations:
        (root / "clip_durations.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("durations", [True, False], ids=["clip_durations", "probed"])
def test_commonvoice(tmp_path, durations):
    cv = READERS["commonvoice"]
    root = tmp_path / "cv-corpus-20.0" / "fr"
    make_cv(root, durations=durations)
    assert cv.missing(root, {}) is None and cv.missing(root.parent, {}) is None  # the release folder works too
    train = cv.read(root, "train", {})
    assert [r.id for r in train.refs] == ["a", "d"]
    assert train.labels == ['Il a dit "bonjour" à tous.', "Deux mots"]
    assert cv.dropped["train"] == {"too_long": 1, "empty": 1}
    assert train.refs[0].path == root / "clips" / "a.mp3" and not train.refs[0].is_segment
    valid = cv.read(root.parent, "valid", {})  # dev.tsv; the recipe filters the training set only
    assert [r.id for r in valid.refs] == ["e", "f"]
    assert [r.id for r in cv.read(root, "valid", {"filter_splits": ["train", "valid"]}).refs] == ["f"]
    assert len(cv.read(root, "train", {"max_seconds": None}).refs) == 3
    assert [r.id for r in cv.read(root, "train", {"min_words": 3}).refs] == ["a"]
    assert cv.read(root, "test", {}).labels == ["Test."]
    wav = decode(train.refs[0], target_sr=16000)
    assert abs(len(wav) - 16000) < 1200  # MP3 frames pad a little


def test_commonvoice_bad_input(tmp_path):
    cv = READERS["commonvoice"]
    root = tmp_path / "fr"
    make_cv(root)
    (root / "clips" / "d.mp3").unlink()
    with pytest.raises(DataError, match=r"1 clip\(s\) listed in train.tsv are not in clips/ \(e.g. d.mp3\)"):
        cv.read(root, "train", {})
    (root / "test.tsv").write_text(CV_HEADER + "\n" + cv_row("g.mp3", "ok") + "\textra\tfields\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2 has 15 tab-separated fields") as e:
        cv.read(root, "test", {})
    assert "test.tsv" in str(e.value)
    (root / "test.tsv").write_text("client_id\tfile\ttext\nx\tg.mp3\tok\n", encoding="utf-8")
    with pytest.raises(DataError, match="no path / sentence column"):
        cv.read(root, "test", {})
    (root / "dev.tsv").unlink()
    assert "dev.tsv missing" in cv.missing(root, {})
    with pytest.raises(DataError, match="dev.tsv is missing") as e:
        cv.read(root, "valid", {})
    assert "commonvoice.mozilla.org" in str(e.value)
    import shutil

    shutil.rmtree(root / "clips")
    assert "clips/" in cv.missing(root, {})


# ------------------------------------------------------------------------------------------------------ ETAPE
def trs(show: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE Trans SYSTEM "trans-14.dtd">\n'
            f'<Trans scribe="x" audio_filename="{show}" version="3" version_date="120101">\n'
            '<Speakers>\n<Speaker id="spk1" name="Alain" check="no" type="male" dialect="native" accent="" '
            'scope="global"/>\n<Speaker id="spk2" name="Olivier" check="no" type="male" dialect="native" accent="" '
            f'scope="global"/>\n</Speakers>\n<Episode>\n{body}</Episode>\n</Trans>\n').encode("iso-8859-1")


SHOW_BODY = """<Section type="nontrans" startTime="0" endTime="1.0">
<Turn startTime="0" endTime="1.0">
<Sync time="0"/>
</Turn>
</Section>
<Section type="report" startTime="1.0" endTime="30.0">
<Turn speaker="spk1" startTime="1.0" endTime="26.0" mode="spontaneous" fidelity="high" channel="studio">
<Sync time="1.0"/>
euh
<Sync time="1.05"/>
bonjour <Event desc="rire" type="noise" extent="instantaneous"/> [rire] à ^^tous   les téléspectateurs
<Comment desc="hésitation"/>
<Sync time="3.2"/>
[musique]
<Sync time="4.0"/>
une très longue intervention sans aucune pause
<Sync time="25.0"/>
merci
</Turn>
<Turn speaker="spk1 spk2" startTime="26.0" endTime="29.0">
<Sync time="26.0"/>
<Who nb="1"/>
oui
<Who nb="2"/>
non
<Sync time="28.0"/>
<Who nb="2"/>
voilà
</Turn>
</Section>
"""


def make_etape(root: Path):
    for folder, show in (("train", "BFMTV_BFMStory_2011-03-17_175900"), ("dev", "LCP_TopQuestions_2011-03-23_213800"),
                         ("tst", "TV8_LaPlaceDuVillage_2011-03-14_172834")):
        (root / "ETAPE" / folder / "trs").mkdir(parents=True, exist_ok=True)
        (root / "ETAPE" / folder / "trs" / f"{show}.trs").write_bytes(trs(show, SHOW_BODY))
        audio(root / "ETAPE" / folder / "wav" / f"{show}.wav", 30.0, sr=16000)


def test_etape(tmp_path):
    et = READERS["etape"]
    make_etape(tmp_path)
    assert et.missing(tmp_path, {}) is None
    train = et.read(tmp_path, "train", {})
    show = "BFMTV_BFMStory_2011-03-17_175900"
    assert [r.id for r in train.refs] == [f"{show}_00001050_00003200", f"{show}_00025000_00026000",
                                          f"{show}_00028000_00029000"]
    assert train.labels == ["bonjour à tous les téléspectateurs", "merci", "voilà"]
    assert et.dropped["train"] == {"too_short": 1, "empty": 1, "too_long": 1, "overlap": 1}
    ref = train.refs[0]
    assert (ref.start_s, ref.end_s) == (1.05, 3.2) and ref.path.name == f"{show}.wav"
    assert ref.origin.endswith(f"{show}.wav")
    assert len(decode(ref, target_sr=16000)) == samples(ref) == 34400
    kept = et.read(tmp_path, "train", {"overlap": "keep", "max_seconds": 30})
    assert "oui non" in kept.labels and "une très longue intervention sans aucune pause" in kept.labels
    assert [r.id.split("_")[-2] for r in et.read(tmp_path, "test", {}).refs][0] == "00001050"  # tst/ = test
    assert len(et.read(tmp_path, "valid", {}).refs) == 3
    # the pyannote-db-etape split lists select shows anywhere under the root
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "all.trn.lst").write_text("LCP_TopQuestions_2011-03-23_213800\n")
    (tmp_path / "lists" / "all.dev.lst").write_text(f"{show}\n")
    (tmp_path / "lists" / "all.tst.lst").write_text(f"{show}\n")
    assert et.missing(tmp_path, {"lists": "lists"}) is None
    assert et.read(tmp_path, "train", {"lists": "lists"}).refs[0].id.startswith("LCP_")


def test_etape_bad_input(tmp_path):
    et = READERS["etape"]
    assert "train/trn/**/*.trs" in et.missing(tmp_path, {})
    make_etape(tmp_path)
    show = tmp_path / "ETAPE" / "train" / "trs" / "BFMTV_BFMStory_2011-03-17_175900.trs"
    show.write_bytes(trs("x", SHOW_BODY).replace(b"</Turn>\n<Turn", b"<Turn", 1))
    with pytest.raises(DataError, match="malformed XML at line") as e:
        et.read(tmp_path, "train", {})
    assert show.name in str(e.value)
    show.write_bytes(trs("x", SHOW_BODY.replace('<Sync time="3.2"/>', '<Sync time="3,2"/>')))
    with pytest.raises(DataError, match=r"Sync time is not a number \('3,2'\)"):
        et.read(tmp_path, "train", {})
    show.write_bytes(trs("x", SHOW_BODY.replace('endTime="29.0"', 'endTime="45.0"')))
    with pytest.raises(DataError, match="a segment ends at 45.00 s but the audio .* lasts 30.00 s"):
        et.read(tmp_path, "train", {})
    show.write_bytes(trs("x", SHOW_BODY))
    (tmp_path / "ETAPE" / "train" / "wav" / f"{show.stem}.wav").unlink()
    with pytest.raises(DataError, match="no audio for this transcript") as e:
        et.read(tmp_path, "train", {})
    assert show.name in str(e.value)


# ------------------------------------------------------------------------------------------------------ MEDIA
def media_xml(dialogues: str) -> bytes:
    return ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<corpus name="MEDIA">\n' + dialogues
            + "</corpus>\n").encode("iso-8859-1")


def dialogue(did: str) -> str:
    return f"""<dialogue id="{did}" nameSpk="speaker_1_08730_{did}">
<turn id="1" speaker="WOZ" startTime="0.000" endTime="1.500">
<semAnnotation withContext="false"><sem concept="null" specif="null" mode="+"><transcription>
bonjour MEDIA j'écoute</transcription></sem></semAnnotation>
</turn>
<turn id="2" speaker="spk" startTime="1.500" endTime="4.250">
<semAnnotation withContext="true"><sem concept="ignored" specif="null"><transcription>x</transcription></sem>
</semAnnotation>
<semAnnotation withContext="false">
<sem concept="null" specif="null" mode="+" value=""><transcription> euh </transcription></sem>
<sem concept="command-tache" specif="null" mode="+" value="reservation"><transcription>je voudrais
réserver</transcription></sem>
<sem concept="nombre-chambre" specif="null" mode="+" value="2"><transcription>deux<Sync time="3.000"/>chambres
</transcription></sem>
<sem concept="localisation-ville" specif="-nom" mode="+" value="paris"><transcription>à Paris</transcription></sem>
</semAnnotation>
</turn>
<turn id="3" speaker="spk" startTime="4.250" endTime="5.000">
<semAnnotation withContext="false"><sem concept="null" specif="null"><transcription>
</transcription></sem></semAnnotation>
</turn>
</dialogue>
"""


def make_media(root: Path):
    data = root / "E0024" / "MEDIA1FR_00" / "MEDIA1FR" / "DATA"
    data.mkdir(parents=True)
    files = {"media_lot1.xml": ["1001", "1002"], "media_lot2.xml": ["1003"], "media_lot3.xml": ["1004"],
             "media_lot4.xml": ["1005"], "media_testHC_a_blanc.xml": ["2001"], "media_testHC.xml": ["3001"]}
    for name, ids in files.items():
        (data / name).write_bytes(media_xml("".join(dialogue(i) for i in ids)))
        for i in ids:
            audio(root / "S0272" / "MEDIA1FR_01" / "wav" / f"{i}.wav", 6.0, sr=8000, channels=2)
    return data


def test_media(tmp_path):
    md = READERS["media"]
    make_media(tmp_path)
    assert md.missing(tmp_path, {}) is None
    train = md.read(tmp_path, "train", {})
    assert [r.id for r in train.refs] == ["1001_2", "1002_2", "1003_2", "1004_2", "1005_2"]
    assert train.labels[0] == [{"concept": "null", "words": "euh"},
                               {"concept": "command-tache", "words": "je voudrais réserver"},
                               {"concept": "nombre-chambre", "words": "deux chambres"},
                               {"concept": "localisation-ville", "words": "à Paris"}]
    assert md.dropped["train"] == {"empty": 5}
    ref = train.refs[0]
    assert (ref.start_s, ref.end_s) == (1.5, 4.25) and ref.path.name == "1001.wav"
    wav = decode(ref, target_sr=16000, downmix=True)  # 8 kHz stereo: resampled and downmixed by the encoder stage
    assert abs(len(wav) - 2 * samples(ref, 8000)) <= 2
    full = md.read(tmp_path, "valid", {"concepts": "full"})
    assert [r.id for r in full.refs] == ["2001_2"] and full.labels[0][3]["concept"] == "localisation-ville-nom"
    assert [s["words"] for s in md.read(tmp_path, "test", {"speaker": None}).labels[0]] == ["bonjour MEDIA j'écoute"]


def test_media_bad_input(tmp_path):
    md = READERS["media"]
    assert "media_testHC.xml" in md.missing(tmp_path, {})
    data = make_media(tmp_path)
    (data / "media_lot3.xml").unlink()
    assert "media_lot3.xml missing" in md.missing(tmp_path, {})
    with pytest.raises(DataError, match="media_lot3.xml missing") as e:
        md.read(tmp_path, "train", {})
    assert "ELRA" in str(e.value)
    (data / "media_testHC.xml").write_bytes(media_xml(dialogue("3001"))[:-40])
    with pytest.raises(DataError, match="malformed XML") as e:
        md.read(tmp_path, "test", {})
    assert "media_testHC.xml" in str(e.value)
    (tmp_path / "S0272" / "MEDIA1FR_01" / "wav" / "2001.wav").unlink()
    with pytest.raises(DataError, match="no audio for dialogue 2001"):
        md.read(tmp_path, "valid", {})


# ------------------------------------------------------------------------------------------------------ mTEDx
def make_mtedx(base: Path, pair: str = "fr-en") -> Path:
    tgt = pair.split("-")[1]
    for split, talks in (("train", ["talkA", "talkB"]), ("valid", ["talkC"]), ("test", ["talkD"])):
        d = base / pair / "data" / split
        (d / "txt").mkdir(parents=True)
        segs, src, trg = [], [], []
        for t in talks:
            audio(d / "wav" / f"{t}.flac", 6.0, sr=16000)
            segs += [f"{t}_0000 {t} 0.50 2.25", f"{t}_0001 {t} 2.25 5.10"]
            src += [f"bonjour  {t}", f"merci {t}"]
            trg += [f"hello {t}", f"thanks {t}"]
        (d / "txt" / "segments").write_text("\n".join(segs) + "\n")
        (d / "txt" / f"{split}.fr").write_text("\n".join(src) + "\n")
        (d / "txt" / f"{split}.{tgt}").write_text("\n".join(trg) + "\n")
        (d / "txt" / f"{split}.yaml").write_text("".join(f"- {{duration: 1.0, offset: 0.5, speaker_id: {t}, "
                                                         f"wav: {t}.wav}}\n" for t in talks))
    (base / pair / "docs").mkdir()
    (base / pair / "docs" / "README.txt").write_text("Multilingual TEDx\n")
    return base


def test_mtedx_read(tmp_path):
    mt = READERS["mtedx"]
    make_mtedx(tmp_path)
    assert mt.missing(tmp_path, {"pair": "fr-en"}) is None
    assert "fr-es does not exist (not downloaded" in mt.missing(tmp_path, {"pair": "fr-es"})
    train = mt.read(tmp_path, "train", {"pair": "fr-en"})
    assert [r.id for r in train.refs] == ["talkA_0000", "talkA_0001", "talkB_0000", "talkB_0001"]
    assert train.labels[0] == {"translation": "hello talkA", "source": "bonjour talkA"}
    ref = train.refs[1]
    assert (ref.start_s, ref.end_s) == (2.25, 5.1) and ref.path.name == "talkA.flac"
    assert len(decode(ref, target_sr=16000)) == samples(ref) == 45600
    assert [r.id for r in mt.read(tmp_path, "valid", {}).refs] == ["talkC_0000", "talkC_0001"]
    assert mt.read(tmp_path, "test", {}).labels[1]["translation"] == "thanks talkD"


def test_mtedx_bad_input(tmp_path):
    mt = READERS["mtedx"]
    make_mtedx(tmp_path)
    txt = tmp_path / "fr-en" / "data" / "test" / "txt"
    (txt / "test.en").write_text("only one line\n")
    with pytest.raises(DataError, match="1 lines but segments has 2 segments") as e:
        mt.read(tmp_path, "test", {})
    assert "test.en" in str(e.value)
    (txt / "test.en").write_text("a\nb\n")
    (txt / "segments").write_text("talkD_0000 talkD 0.5\ntalkD_0001 talkD 2.25 5.1\n")
    with pytest.raises(DataError, match="line 1 has 3 fields, expected 4"):
        mt.read(tmp_path, "test", {})
    (txt / "segments").write_text("talkD_0000 talkD 0.5 2.0\ntalkD_0001 talkD 2.25 9.1\n")
    with pytest.raises(DataError, match="a segment ends at 9.10 s but the audio talkD.flac lasts 6.00 s"):
        mt.read(tmp_path, "test", {})
    (tmp_path / "fr-en" / "data" / "valid" / "wav" / "talkC.flac").unlink()
    with pytest.raises(DataError, match="talk talkC has no audio"):
        mt.read(tmp_path, "valid", {})
    with pytest.raises(DataError, match="pair='en-fr' is not a French-source pair"):
        mt.read(tmp_path, "valid", {"pair": "en-fr"})


class _Server:
    """Serves files of a folder with Range support; can drop the connection after ``cut_after`` bytes once."""

    def __init__(self, folder: Path):
        self.cut_after, self.requests = None, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                path = folder / self.path.rsplit("/", 1)[-1]
                if not path.is_file():
                    self.send_error(404)
                    return
                data, start = path.read_bytes(), 0
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
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/resources/100"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def release_archive(tmp_path: Path, pair="fr-en") -> Path:
    src = make_mtedx(tmp_path / "src", pair)
    out = tmp_path / "www" / f"mtedx_{pair}.tgz"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz") as tf:
        tf.add(src / pair, arcname=pair)
    return out


def test_mtedx_download_http_resume_and_marker(tmp_path):
    mt = READERS["mtedx"]
    tgz = release_archive(tmp_path)
    server = _Server(tgz.parent)
    root = tmp_path / "data"
    try:
        server.cut_after = 3000
        with pytest.raises(OfflineError, match="interrupted") as e:
            mt.download(root, {"base_url": server.url}, progress=False)
        assert "download" in str(e.value) and (root / "mtedx_fr-en.tgz.part").stat().st_size == 3000
        assert mt.missing(root, {}) is not None
        assert mt.download(root, {"base_url": server.url}, progress=False) == root  # resumes from the .part
        assert server.requests[-1] == ("/resources/100/mtedx_fr-en.tgz", "bytes=3000-")
        marker = json.loads((root / "fr-en" / DONE_MARKER).read_text())
        assert marker["sha256"] == hashlib.sha256(tgz.read_bytes()).hexdigest()
        assert marker["checksum_published"] is False and marker["url"].endswith("/mtedx_fr-en.tgz")
        assert not list(root.glob("*.tgz*")) and not list(root.glob(".mtedx_fr-en.extracting"))
        assert mt.missing(root, {}) is None
        assert len(mt.read(root, "train", {}).refs) == 4
        n = len(server.requests)
        mt.download(root, {"base_url": server.url}, progress=False)  # done: nothing fetched again
        assert len(server.requests) == n
        with pytest.raises(DataError, match="sha256 mismatch"):
            mt.download(root, {"base_url": server.url, "sha256": "0" * 64}, progress=False, force=True)
        with pytest.raises(OfflineError, match="HTTP 404"):
            mt.download(tmp_path / "other", {"base_url": server.url, "pair": "fr-pt"}, progress=False)
    finally:
        server.close()


def test_mtedx_download_file_url_env_and_unsafe_archive(tmp_path, monkeypatch):
    mt = READERS["mtedx"]
    tgz = release_archive(tmp_path, "fr-pt")
    monkeypatch.setenv("HF_BENCH_MTEDX_URL", tgz.parent.as_uri())
    root = tmp_path / "data"
    mt.download(root, {"pair": "fr-pt"}, progress=False)
    assert mt.read(root, "valid", {"pair": "fr-pt"}).labels[0]["translation"] == "hello talkC"
    assert json.loads((root / "fr-pt" / DONE_MARKER).read_text())["sha256"] == hashlib.sha256(
        tgz.read_bytes()).hexdigest()
    # an archive whose members escape the folder is refused and nothing is written outside
    evil = tmp_path / "evil" / "mtedx_fr-es.tgz"
    evil.parent.mkdir()
    with tarfile.open(evil, "w:gz") as tf:
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(DataError, match="unsafe member"):
        mt.download(tmp_path / "d2", {"pair": "fr-es", "base_url": evil.parent.as_uri()}, progress=False)
    assert not list(tmp_path.rglob("escaped.txt")) and not (tmp_path / "d2" / "fr-es").exists()
    # a truncated archive is deleted so that the next call downloads a fresh copy
    broken = tmp_path / "broken" / "mtedx_fr-es.tgz"
    broken.parent.mkdir()
    broken.write_bytes(tgz.read_bytes()[:2000])
    with pytest.raises(DataError, match="corrupt or truncated"):
        mt.download(tmp_path / "d3", {"pair": "fr-es", "base_url": broken.parent.as_uri()}, progress=False)
    assert not (tmp_path / "d3" / "mtedx_fr-es.tgz").exists()


# ----------------------------------------------------------------------------------------------------- RECOLA
def arff(name: str, times, values) -> str:
    rows = "\n".join(f"'{name}',{t:.6f},{v:.6f}" for t, v in zip(times, values))
    return ("@relation GoldStandard\n\n@attribute Instance_name string\n@attribute frameTime numeric\n"
            f"@attribute GoldStandard numeric\n\n@data\n\n{rows}\n")


def make_recola(root: Path, *, test_labels: bool = False):
    for name in ("train_1", "train_2", "dev_1", "test_1"):
        audio(root / "recordings_audio" / f"{name}.wav", 2.0)
        times = np.arange(50) * 0.04
        for dim, scale in (("arousal", 0.1), ("valence", -0.2)):
            if name.startswith("test") and not test_labels:
                continue
            folder = root / "ratings_gold_standard" / dim
            folder.mkdir(parents=True, exist_ok=True)
            values = scale * np.sin(times)
            if dim == "valence" and name == "train_2":  # LeBenchmark's CSV conversion of the ARFF
                (folder / f"{name}.csv").write_text("Instance_name;frameTime;GoldStandard\n" + "".join(
                    f"{name};{t:.2f};{v:.6f}\n" for t, v in zip(times, values)))
            else:
                (folder / f"{name}.arff").write_text(arff(name, times, values))


def test_recola(tmp_path):
    rc = READERS["recola"]
    make_recola(tmp_path)
    train = rc.read(tmp_path, "train", {"dimension": "arousal"})
    assert [r.id for r in train.refs] == ["train_1", "train_2"]
    lab = train.labels[0]
    assert lab["hop_s"] == 0.04 and lab["start_s"] == 0.0 and len(lab["values"]) == 50
    assert lab["values"][1] == pytest.approx(0.1 * np.sin(0.04), abs=1e-6)
    valence = rc.read(tmp_path, "train", {"dimension": "valence"})
    assert valence.labels[1]["values"][1] == pytest.approx(-0.2 * np.sin(0.04), abs=1e-6)  # the CSV file
    assert [r.id for r in rc.read(tmp_path, "valid", {}).refs] == ["dev_1"]
    assert len(decode(train.refs[0], target_sr=16000)) == 32000
    # the AVEC 2016 release withholds the test gold standard
    why = rc.missing(tmp_path, {})
    assert "no arousal gold standard for the test recordings" in why and "AVEC 2016" in why
    with pytest.raises(DataError, match="no valence gold standard for the test recordings") as e:
        rc.read(tmp_path, "test", {"dimension": "valence"})
    assert "withholds the test gold standard" in str(e.value)
    make_recola(tmp_path, test_labels=True)
    assert rc.missing(tmp_path, {}) is None and len(rc.read(tmp_path, "test", {}).refs) == 1


def test_recola_bad_input(tmp_path):
    rc = READERS["recola"]
    assert "recordings_audio does not exist" in rc.missing(tmp_path, {})
    make_recola(tmp_path, test_labels=True)
    ann = tmp_path / "ratings_gold_standard" / "arousal" / "dev_1.arff"
    times = list(np.arange(50) * 0.04)
    ann.write_text(arff("dev_1", times[:20] + times[21:], [0.0] * 49))
    with pytest.raises(DataError, match="annotation rate is not constant: 0.7600 s -> 0.8400 s") as e:
        rc.read(tmp_path, "valid", {})
    assert "dev_1.arff" in str(e.value)
    ann.write_text(arff("dev_1", np.arange(250) * 0.04, [0.0] * 250))
    with pytest.raises(DataError, match=r"annotation covers 10.00 s \(250 values every 0.04 s from 0 s\) but the "
                                        r"audio dev_1.wav lasts 2.00 s"):
        rc.read(tmp_path, "valid", {})
    ann.write_text("@relation GoldStandard\n@attribute frameTime numeric\n0.0,1.0\n")
    with pytest.raises(DataError, match="unexpected line 3 in the ARFF header"):
        rc.read(tmp_path, "valid", {})
    ann.write_text(arff("dev_1", times, [0.0] * 50).replace("0.000000\n", "?\n", 1))
    with pytest.raises(DataError, match="line 8 has 3 fields|are not numbers"):
        rc.read(tmp_path, "valid", {})
    ann.unlink()
    assert "no arousal gold standard for dev_1" in rc.missing(tmp_path, {})
    with pytest.raises(DataError, match="no arousal gold standard .* for dev_1"):
        rc.read(tmp_path, "valid", {})
    with pytest.raises(DataError, match="dimension='dominance'"):
        rc.read(tmp_path, "train", {"dimension": "dominance"})


# ---------------------------------------------------------------------------------------------------- AlloSat
def make_allosat(root: Path, *, time_scale: float = 1.0):
    for rel, secs in (("conv_01", 3.0), ("lot2/conv_02", 2.0), ("lot2/conv_03", 2.5)):
        audio(root / "audio" / f"{rel}.wav", secs, sr=8000)
        n = int(secs / 0.25)
        lab = root / "annotations" / "labels" / f"{rel}.csv"
        lab.parent.mkdir(parents=True, exist_ok=True)
        lab.write_text("time;satisfaction\n" + "".join(f"{i * 0.25 * time_scale:g};{0.1 * i:.2f}\n"
                                                       for i in range(n)))
    (root / "train.txt").write_text("conv_01\n")
    (root / "dev.txt").write_text("conv_02.wav\n")
    (root / "test.txt").write_text("conv_03\t\n")


def test_allosat(tmp_path):
    al = READERS["allosat"]
    make_allosat(tmp_path)
    assert al.missing(tmp_path, {}) is None
    train = al.read(tmp_path, "train", {})
    assert [r.id for r in train.refs] == ["conv_01"]
    assert train.labels[0] == {"hop_s": 0.25, "start_s": 0.0, "values": pytest.approx([0.1 * i for i in range(12)])}
    assert [r.id for r in al.read(tmp_path, "valid", {}).refs] == ["conv_02"]
    test = al.read(tmp_path, "test", {})
    assert test.refs[0].path == tmp_path / "audio" / "lot2" / "conv_03.wav" and len(test.labels[0]["values"]) == 10


def test_allosat_bad_input(tmp_path):
    al = READERS["allosat"]
    assert "audio, annotations/labels, train.txt" in al.missing(tmp_path, {})
    make_allosat(tmp_path, time_scale=1000.0)  # times in milliseconds
    with pytest.raises(DataError, match="annotation covers 3000.00 s .* lasts 3.00 s") as e:
        al.read(tmp_path, "train", {})
    assert "conv_01.csv" in str(e.value) and "not in seconds" in str(e.value)
    (tmp_path / "train.txt").write_text("conv_09\n")
    with pytest.raises(DataError, match="partition entry 'conv_09' matches no audio file") as e:
        al.read(tmp_path, "train", {})
    assert "train.txt" in str(e.value)
    (tmp_path / "train.txt").write_text("conv_0\n")
    with pytest.raises(DataError, match="matches 3 audio files"):
        al.read(tmp_path, "train", {})
    (tmp_path / "annotations" / "labels" / "lot2" / "conv_02.csv").unlink()
    with pytest.raises(DataError, match="no annotation for conv_02.wav"):
        al.read(tmp_path, "valid", {})
