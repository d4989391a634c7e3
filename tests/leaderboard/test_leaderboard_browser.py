"""The leaderboard in headless Chromium (Debian's chromium, Python playwright; no browser download).

The app runs on 127.0.0.1 with a fixture table (published rows + a few hf_bench results). Screenshots of every tab
go to test-artifacts/leaderboard/ (or $HF_BENCH_ARTIFACTS_DIR/leaderboard/).
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from lb_helpers import make_result, populate_results, write_run

# gradio 6.31's queue calls pandas options that pandas 3 deprecates; not ours to fix
pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")]
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian chromium is not installed (apt-get install chromium)", allow_module_level=True)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-quic", "--disable-sync"]

ROWS_JS = """(board) => Array.from(document.querySelectorAll(`#board-${board} table.hfb-table tbody tr`))
  .filter(tr => tr.querySelector('.hfb-model'))
  .map(tr => Object.fromEntries([["_model", tr.querySelector('.hfb-model').innerText.trim()]].concat(
     Array.from(tr.children).map((td, i) => {
       const th = document.querySelectorAll(`#board-${board} table.hfb-table thead tr.hfb-h2 th`)[i];
       const key = th && th.dataset.col ? th.dataset.col : (th ? th.innerText.trim() : String(i));
       return [key, {text: td.innerText.trim(), bold: !!td.querySelector('b'), under: !!td.querySelector('u')}];
     }))))"""
COLS_JS = """(board) => Array.from(document.querySelectorAll(`#board-${board} table.hfb-table thead tr.hfb-h2 th`))
  .map(th => th.dataset.col || th.innerText.trim())"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from hf_bench.leaderboard.app import create_app, launch
    from hf_bench.leaderboard.table import build_table

    root = tmp_path_factory.mktemp("leaderboard_app")
    results = populate_results(root / "results")
    # within tiny-wavlm's 95 % interval on ESC-50 (0.58-0.62): a tie on the hf_bench MLP view
    write_run(results, [make_result(task="esc50", score=0.59, ci=(0.57, 0.61), encoder="wavlm-ft-tied",
                                    fingerprint="fp0009")])
    table = build_table([results], progress=False)
    table.save(root / "leaderboard.parquet")
    queue = root / "pending" / "submissions.jsonl"
    demo = create_app(root / "leaderboard.parquet", pending_path=queue)
    port = _free_port()
    launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", queue=queue, root=root)
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    pg = browser.new_page(viewport={"width": 1440, "height": 1000})
    outside = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    pg.goto(server.url)
    pg.locator("#board-xares table.hfb-table tbody tr").first.wait_for(state="visible", timeout=30_000)
    yield pg
    pg.close()
    assert not outside, f"the app reached outside localhost: {outside[:5]}"


def wait_until(fn, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # the DOM is being replaced by a re-render
            last = e
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def rows(page, board):
    return page.evaluate(ROWS_JS, board)


def columns(page, board):
    return page.evaluate(COLS_JS, board)


def open_tab(page, name, board=None):
    page.get_by_role("tab", name=name, exact=True).first.click()
    if board:
        page.locator(f"#board-{board} table.hfb-table tbody tr").first.wait_for(state="visible", timeout=15_000)


def row_of(rs, model):
    hits = [r for r in rs if r["_model"] == model]
    assert hits, f"{model} not in {[r['_model'] for r in rs]}"
    return hits[0]


def test_reference_rows_show_the_published_values(page):
    open_tab(page, "LeBenchmark", "lebenchmark")
    cell = row_of(rows(page, "lebenchmark"), "W2V-Fr-7K-large")["etape_asr_hybrid"]
    assert cell == {"text": "25.64", "bold": True, "under": False}
    src = row_of(rows(page, "lebenchmark"), "W2V-Fr-7K-large")["Source"]["text"]
    assert "published" in src and "LeBenchmark leaderboard" in src
    open_tab(page, "WenetSpeech-Wu", "wenetspeech_wu_asr")
    rs = rows(page, "wenetspeech_wu_asr")
    assert row_of(rs, "Step-Audio2-Wu-ASR")["wu_bench_asr"]["text"] == "12.85"
    assert row_of(rs, "tiny-wavlm")["Source"]["text"].startswith("hf_bench")
    # with the published rows only, the seed's marks come back: 12.85 bold, 14.33 underlined
    page.locator("#sources-wenetspeech_wu_asr").get_by_label("hf_bench").uncheck()
    wait_until(lambda: len(rows(page, "wenetspeech_wu_asr")) == 15, what="hf_bench rows hidden")
    rs = rows(page, "wenetspeech_wu_asr")
    assert row_of(rs, "Step-Audio2-Wu-ASR")["wu_bench_asr"]["bold"]
    assert row_of(rs, "Whisper-medium-Wu")["wu_bench_asr"]["under"]


def test_search_narrows_the_rows(page):
    open_tab(page, "LeBenchmark", "lebenchmark")
    before = rows(page, "lebenchmark")
    page.locator("#search-lebenchmark textarea, #search-lebenchmark input").first.fill("W2V-Fr-7K")
    after = wait_until(lambda: (r := rows(page, "lebenchmark")) and len(r) < len(before) and r, what="search")
    names = sorted(r["_model"] for r in after)
    assert names == ["W2V-Fr-7K-base", "W2V-Fr-7K-large"]
    assert "2 of 11 rows" in page.locator("#board-lebenchmark .hfb-status").inner_text()


def test_domain_filter_hides_that_domains_columns(page):
    cols = columns(page, "xares")
    assert "gtzan_genre" in cols and "esc50" in cols and "__avg__" in cols
    page.locator("#groups-xares").get_by_label("Music").uncheck()
    cols = wait_until(lambda: (c := columns(page, "xares")) and "gtzan_genre" not in c and c, what="music hidden")
    assert "esc50" in cols and "cremad" in cols
    assert not {"freemusicarchive", "maestro", "nsynthinstument"} & set(cols)
    assert "W.avg (Speech, Sound)" in page.locator("#board-xares thead").inner_text()


def test_probe_switch_shows_the_knn_view(page):
    page.locator("#probe-xares").get_by_label("kNN (X-ARES protocol)").check()
    cols = wait_until(lambda: (c := columns(page, "xares")) and "clotho" not in c and c, what="kNN view")
    assert len([c for c in cols if not c.startswith("__") and c not in ("#", "Source", "Tasks")]) == 16


def test_sorting_a_lower_is_better_column_puts_the_best_first(page):
    open_tab(page, "WenetSpeech-Wu", "wenetspeech_wu_asr")
    page.locator('#board-wenetspeech_wu_asr th[data-col="wu_bench_asr"]').click()
    wait_until(lambda: "sorted by ASR" in page.locator("#board-wenetspeech_wu_asr .hfb-status").inner_text(),
               what="sort by ASR")
    values = [float(r["wu_bench_asr"]["text"]) for r in rows(page, "wenetspeech_wu_asr")]
    assert values[0] == min(values) == 11.5 and values == sorted(values)
    page.locator('#board-wenetspeech_wu_asr th[data-col="wu_bench_asr"]').click()  # again: worst first
    wait_until(lambda: float(rows(page, "wenetspeech_wu_asr")[0]["wu_bench_asr"]["text"]) == 89.99, what="reverse")


def _queue_lines(server) -> int:
    return len(server.queue.read_text().splitlines()) if server.queue.exists() else 0


def test_malformed_upload_shows_errors_and_changes_nothing(page, server, tmp_path, artifacts_dir):
    n_rows, n_queue = len(rows(page, "xares")), _queue_lines(server)
    bad = make_result(encoder="rejected-model")
    del bad["scores"]["main_score"]
    bad["probe"]["seed"] = "zero"
    path = tmp_path / "esc50.json"
    path.write_text(json.dumps(bad))
    open_tab(page, "Submit")
    page.locator("#submit-file input[type=file]").set_input_files(str(path))
    err = page.locator("#submit-status .hfb-submit-err")
    err.wait_for(state="visible", timeout=20_000)
    text = err.inner_text()
    assert "Rejected" in text and "scores.main_score" in text and "probe.seed" in text
    page.screenshot(path=str(artifacts_dir / "submit-rejected.png"), full_page=True)
    assert _queue_lines(server) == n_queue
    open_tab(page, "X-ARES", "xares")
    assert len(rows(page, "xares")) == n_rows
    assert "rejected-model" not in page.locator("#board-xares").inner_text()


def test_valid_upload_lands_in_the_pending_queue(page, server, tmp_path, artifacts_dir):
    n_queue = _queue_lines(server)
    path = tmp_path / "esc50.json"
    path.write_text(json.dumps(make_result(encoder="queued-model", score=0.77)))
    open_tab(page, "Submit")
    page.locator("#submit-file input[type=file]").set_input_files(str(path))
    ok = page.locator("#submit-status .hfb-submit-ok")
    ok.wait_for(state="visible", timeout=20_000)
    assert "Accepted: 1 result(s) added to the pending queue" in ok.inner_text()
    assert _queue_lines(server) == n_queue + 1
    entry = json.loads(server.queue.read_text().splitlines()[-1])
    assert entry["summary"]["model"] == "queued-model" and entry["status"] == "pending"
    assert "queued-model" in page.locator("#submit-queue").inner_text()
    page.screenshot(path=str(artifacts_dir / "submit-accepted.png"), full_page=True)
    open_tab(page, "X-ARES", "xares")
    assert "queued-model" not in page.locator("#board-xares").inner_text()  # review first, board later


def test_model_details_and_eval_results_download(page):
    page.locator('#board-xares .hfb-model', has_text="tiny-wavlm").first.click()
    card = page.locator("#details-card .hfb-card-title")
    wait_until(lambda: card.inner_text().startswith("tiny-wavlm"), what="details of tiny-wavlm")
    body = page.locator("#details-card").inner_text()
    assert "X-ARES · MLP" in body and "Embedded suite" in body and "hf:org/tiny-wavlm" in body
    with page.expect_download(timeout=20_000) as dl:
        page.locator("#details-download").click()
    download = dl.value
    assert download.suggested_filename.startswith("tiny-wavlm")
    import io
    import zipfile

    from huggingface_hub import parse_eval_result_entries

    data = Path(download.path()).read_bytes()
    if data[:2] == b"PK":  # several benchmarks: a zip of .eval_results/
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            entries = [e for n in names for e in parse_eval_result_entries(yaml.safe_load(zf.read(n)))]
        assert ".eval_results/hf_bench_xares.yaml" in names
    else:
        entries = parse_eval_result_entries(yaml.safe_load(data))
    assert ("hf-bench/xares-esc50", "esc50_mlp") in {(e.dataset_id, e.task_id) for e in entries}


def test_details_compare_two_models_with_radar(page, artifacts_dir):
    card = page.locator("#details-card")

    def details_shown():  # reopen the tab if the page's link restore (it runs on load) switched back meanwhile
        if not page.locator("#details-model").is_visible():
            open_tab(page, "Model details")
        title = card.locator(".hfb-card-title").first
        return title.is_visible() and title.inner_text().startswith("tiny-wavlm")

    wait_until(details_shown, timeout=30, what="details of the default model")
    box = page.locator("#details-model input").first
    box.click()
    box.fill("dasheng")
    page.get_by_role("option", name="dasheng-base", exact=False).first.click()
    page.keyboard.press("Escape")  # close the option list before the screenshots
    legend = card.locator(".hfb-dt-legend-item")
    wait_until(lambda: legend.count() == 2, what="two legend entries")
    assert [legend.nth(i).inner_text().split()[0] for i in range(2)] == ["tiny-wavlm", "dasheng-base"]
    radar = card.locator("svg.hfb-radar").first
    radar.wait_for(state="visible", timeout=15_000)
    bb = radar.bounding_box()
    assert bb and bb["width"] > 150 and bb["height"] > 100
    assert card.locator("svg.hfb-radar polygon.hfb-dt-poly").count() >= 2
    # a bar's fill is its value on the 0-1 track (absolute scale, not relative to the best row)
    bar = card.locator('.hfb-dt-bar[data-task="esc50"]').first
    frac = bar.evaluate("b => b.querySelector('.hfb-dt-fill').getBoundingClientRect().width / "
                        "b.querySelector('.hfb-dt-track').getBoundingClientRect().width")
    assert frac == pytest.approx(float(bar.get_attribute("data-value")), abs=0.01)
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "details-compare.png"), full_page=True)
    page.evaluate("document.body.classList.add('dark')")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "details-compare-dark.png"), full_page=True)
    assert (artifacts_dir / "details-compare.png").stat().st_size > 10_000


def test_screenshot_every_tab(page, artifacts_dir):
    tabs = [("X-ARES", "xares"), ("LeBenchmark", "lebenchmark"), ("ZeroSpeech", "zerospeech_slm21"),
            ("WenetSpeech-Wu", "wenetspeech_wu_asr"), ("Embedded suite", "embedded"), ("Model details", None),
            ("Heatmap", None), ("Submit", None), ("About", None)]
    for name, board in tabs:
        open_tab(page, name, board)
        if name == "Model details":
            page.locator("#details-card .hfb-card-title").wait_for(state="visible", timeout=15_000)
        if name == "Heatmap":
            page.locator("#heatmap table.hfb-heatmap").wait_for(state="visible", timeout=15_000)
        page.wait_for_timeout(300)
        path = artifacts_dir / f"tab-{name.lower().replace(' ', '-')}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    # the second-level tabs too
    open_tab(page, "ZeroSpeech", "zerospeech_slm21")
    open_tab(page, "ProsAudit", "zerospeech_prosaudit")
    page.screenshot(path=str(artifacts_dir / "tab-zerospeech-prosaudit.png"), full_page=True)
    open_tab(page, "WenetSpeech-Wu", "wenetspeech_wu_asr")
    open_tab(page, "Understanding", "wenetspeech_wu_und")
    page.screenshot(path=str(artifacts_dir / "tab-wenetspeech-wu-understanding.png"), full_page=True)


# ---------------------------------------------------------------------- shareable views, ranks, layout
def _state(page):
    from urllib.parse import parse_qs, urlparse

    # history.replaceState does not move playwright's page.url: ask the page
    href = page.evaluate("() => location.href")
    return {k: v[0] for k, v in parse_qs(urlparse(href).query, keep_blank_values=True).items()}


def test_a_copied_link_reopens_the_same_view(page, browser, server, artifacts_dir):
    page.locator("#probe-xares").get_by_label("kNN (X-ARES protocol)").check()
    wait_until(lambda: _state(page).get("probe") == "knn+xares", what="probe in the link")
    page.locator("#search-xares textarea, #search-xares input").first.fill("wav2vec2; dasheng")
    page.locator('#board-xares th[data-col="esc50"]').click()
    page.locator("#cells-xares").get_by_label("Ranks").check()
    wait_until(lambda: _state(page).get("cells") == "ranks" and _state(page).get("sort") == "esc50"
               and _state(page).get("q") == "wav2vec2; dasheng", what="the view in the link")
    url, before = page.evaluate("() => location.href"), rows(page, "xares")
    assert _state(page)["board"] == "xares"

    other = browser.new_page(viewport={"width": 1440, "height": 1000})
    other.goto(url)
    wait_until(lambda: "sorted by ESC-50" in other.locator("#board-xares .hfb-status").inner_text(), timeout=30,
               what="the link's view")
    wait_until(lambda: rows(other, "xares") == before, what="the same rows")
    assert other.locator("#probe-xares").get_by_label("kNN (X-ARES protocol)").is_checked()
    assert other.locator("#cells-xares").get_by_label("Ranks").is_checked()
    assert other.evaluate("() => location.href") == url  # restoring does not rewrite the link
    other.screenshot(path=str(artifacts_dir / "link-restored-xares-knn-ranks.png"), full_page=True)

    # another board: the link opens its tab
    open_tab(other, "LeBenchmark", "lebenchmark")
    other.locator('#board-lebenchmark th[data-col="media_slu"]').click()
    wait_until(lambda: _state(other).get("board") == "lebenchmark" and _state(other).get("sort") == "media_slu",
               what="LeBenchmark in the link")
    third = browser.new_page(viewport={"width": 1440, "height": 1000})
    third.goto(other.evaluate("() => location.href"))
    wait_until(lambda: "sorted by MEDIA" in third.locator("#board-lebenchmark .hfb-status").inner_text(), timeout=30,
               what="the LeBenchmark tab from its link")
    for pg in (other, third):
        pg.close()


def test_download_csv_is_the_current_view(page):
    import csv as csv_mod

    page.locator("#search-xares textarea, #search-xares input").first.fill("wav2vec2")
    wait_until(lambda: all("wav2vec2" in r["_model"] for r in rows(page, "xares")) and rows(page, "xares"),
               what="search applied")
    shown = [r["_model"] for r in rows(page, "xares")]
    page.wait_for_timeout(400)  # the CSV is written by its own event, after the table

    def download():
        with page.expect_download(timeout=20_000) as dl:
            page.locator("#csv-xares").click()
        return list(csv_mod.DictReader(Path(dl.value.path()).read_text(encoding="utf-8").splitlines()))

    got = wait_until(lambda: (d := download()) and [r["model"] for r in d] == shown and d, what="CSV of the view")
    assert "ESC-50" in got[0] and "ESC-50 rank" in got[0] and "borda_rank" in got[0]


def test_borda_rank_column_sorts_and_ties_are_marked(page):
    page.locator("#probe-xares").get_by_label("MLP (hf_bench protocol)").check()
    wait_until(lambda: "wavlm-ft-tied" in page.locator("#board-xares").inner_text(), what="hf_bench MLP view")
    page.locator('#board-xares th[data-col="__borda__"]').click()
    wait_until(lambda: "sorted by Borda rank" in page.locator("#board-xares .hfb-status").inner_text(),
               what="sort by Borda")
    ranks = [int(r["__borda__"]["text"]) for r in rows(page, "xares")]
    assert ranks == sorted(ranks) and ranks[0] == 1
    tied = page.locator("#board-xares td.hfb-tied")
    assert tied.count() == 1
    assert "wavlm-ft-tied" in tied.first.evaluate("td => td.closest('tr').innerText")
    assert "95 % intervals overlap with tiny-wavlm" in tied.first.get_attribute("title")


def test_sticky_columns_stay_opaque_when_a_wide_board_scrolls(page, artifacts_dir):
    table = page.locator("#board-xares table.hfb-table")
    assert "hfb-wide" in table.get_attribute("class")
    page.locator("#board-xares .hfb-scroll").evaluate("el => { el.scrollLeft = 600; }")
    page.locator("#board-xares tbody tr:nth-child(2) td.hfb-modelcol").hover()
    alphas = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#board-xares tbody td.hfb-modelcol, #board-xares tbody td.hfb-rank')).slice(0, 12).map(td => {
          const c = getComputedStyle(td).backgroundColor.match(/[\\d.]+/g).map(Number);
          return c.length === 4 ? c[3] : 1; })""")
    assert alphas and min(alphas) == 1, alphas
    # the number under the model column is hidden by it: the topmost element there is the model cell
    hit = page.evaluate("""() => { const td = document.querySelector('#board-xares tbody tr:nth-child(2) td.hfb-modelcol');
        const r = td.getBoundingClientRect(); const el = document.elementFromPoint(r.left + r.width - 4, r.top + r.height / 2);
        return !!el.closest('td.hfb-modelcol'); }""")
    assert hit
    page.screenshot(path=str(artifacts_dir / "xares-scrolled-sideways.png"))
    # the board uses the page's width
    width = page.evaluate("() => document.querySelector('.gradio-container').getBoundingClientRect().width")
    assert width > 1300


def test_phone_layout_shows_model_and_average(browser, server, artifacts_dir):
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(server.url)
    phone.locator("#board-xares table.hfb-table tbody tr").first.wait_for(state="visible", timeout=30_000)
    visible = phone.evaluate("""() => Array.from(document.querySelectorAll('#board-xares thead tr.hfb-h2 th'))
        .filter(th => getComputedStyle(th).display !== 'none').map(th => th.dataset.col || th.innerText.trim())""")
    assert "__avg__" in visible and "__model__" in visible and "esc50" not in visible, visible
    right = phone.evaluate("() => document.querySelector('#board-xares table.hfb-table').getBoundingClientRect().right")
    assert right <= 390  # no sideways scrolling
    phone.wait_for_timeout(500)
    phone.screenshot(path=str(artifacts_dir / "phone-xares.png"), full_page=True)
    phone.locator("#board-xares .hfb-model").first.tap()
    phone.locator("#details-card .hfb-card-title").wait_for(state="visible", timeout=15_000)
    phone.screenshot(path=str(artifacts_dir / "phone-details.png"), full_page=False)
    phone.close()


def test_fixed_bugs_stay_fixed(page):
    # ASCII hyphens in headers: the browser's own find (what Ctrl+F does) finds "CREMA-D"
    assert page.evaluate("() => window.find('CREMA-D')")
    # filters that hide every row say so (the board has rows)
    sizes = page.locator("#sizes-xares")
    for label in ("< 100M", "100M–1B", "≥ 1B", "unknown"):
        sizes.get_by_label(label, exact=True).uncheck()
    msg = page.locator("#board-xares .hfb-empty-title")
    wait_until(lambda: "No X-ARES rows match the filters" in msg.inner_text(), what="no rows match")
    assert "results yet" not in page.locator("#board-xares").inner_text()
    sizes.get_by_label("< 100M", exact=True).check()  # published models have sizes now: the filter keeps them
    wait_until(lambda: "dasheng-base" in page.locator("#board-xares").inner_text(), what="small models back")
    assert "wav2vec2-large-100k-voxpopuli" not in page.locator("#board-xares").inner_text()


def test_a_link_to_a_page_tab_opens_it_rendered(browser, server):
    pg = browser.new_page(viewport={"width": 1440, "height": 1000})
    for tab, ready in (("heatmap", "#heatmap table.hfb-heatmap"), ("details", "#details-card .hfb-card-title")):
        pg.goto(server.url + f"?tab={tab}")
        pg.locator(ready).first.wait_for(state="visible", timeout=30_000)
        assert _state(pg) == {"tab": tab}
    pg.close()
