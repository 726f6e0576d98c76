"""The report is safe to open in a real browser, even when free text in the inputs is hostile.

A small run (two SYNTHETIC demo cohorts) whose free-text fields carry HTML and script
payloads: the cohort specs' description and provenance, the config's marker and endpoint
labels, a cancer-type label of the vocabulary, and sex and stage codings (the source values
and the spec's maps). Cohort ids cannot carry a payload: the spec schema rejects them. The
run's report.html and results/report/narrative.html are opened in headless Chromium with
network requests blocked, and every result of the report is displayed: no payload may run,
the console must stay free of errors, and every figure must load.

Needs Chromium, its driver and the selenium package; skips with the reason otherwise.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import tempfile
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.cohort.spec import load_cohort_spec
from markersurv.errors import CohortSpecError
from markersurv.reporting import table_view
from markersurv.reporting.narrative import frame_html
from tests.e2e.e2e_helpers import run_snakemake, small_config, write_workdir

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def payload(n: int) -> str:
    """Markup that calls alert(n) if a page renders it as HTML: a script element that first
    closes any script it sits in, an image error handler and an SVG load handler (no commas,
    tabs, quotes or '#', so it fits unquoted in CSV and TSV cells)."""
    return (
        f"</script><script>alert({n})</script><img src=x onerror=alert({n})><svg onload=alert({n})>"
    )


def label_payload(n: int) -> str:
    """The same without the closing script tag (see test_script_end_tag_in_a_label)."""
    return f"<img src=x onerror=alert({n})><svg onload=alert({n})><script>alert({n})"


PAYLOADS = {
    "description": payload(1),
    "provenance": payload(2),
    "marker label": f"IL-6 {label_payload(3)}",
    "endpoint label": f"Overall survival {label_payload(4)}",
    "cancer-type label": f"Lung {payload(5)}",
    "sex coding": f"F{payload(6)}",
    "stage coding": f"II{payload(7)}",
    "cohort label": label_payload(10),
}
# reStructuredText is what Snakemake renders captions from: a label that starts a raw HTML
# directive on a line of its own must stay text.
RST_PAYLOAD = "Progression\n\n.. raw:: html\n\n   <img src=x onerror=alert(8)>\n\n"
BREAKOUT_LABEL = "IL-6 </script><script>alert(9)</script>"

# Runs before any script of every page and frame: payloads that call alert() are recorded in
# window.__pwned and logged as console errors instead of opening dialogs.
ALERT_HOOK = """
(() => {
  const hit = (how, value) => {
    window.__pwned = (window.__pwned || []).concat([how + ':' + value]);
    console.error('PWNED ' + how + ' ' + value);
  };
  window.alert = (v) => hit('alert', v);
  window.confirm = (v) => hit('confirm', v);
  window.prompt = (v) => hit('prompt', v);
})();
"""
OFFLINE_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:")


def test_cohort_id_with_markup_is_rejected(repo_dir, tmp_path):
    spec = yaml.safe_load((repo_dir / "config/cohorts/demo_npc_a.yaml").read_text())
    spec["id"] = "<script>alert(1)</script>"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(CohortSpecError, match="id"):
        load_cohort_spec(path, {"demo": str(repo_dir / "resources" / "demo")})


def hostile_inputs(repo: Path, folder: Path) -> dict:
    """Copies of the demo specs, data and vocabulary with the payloads, and their config."""
    data = folder / "demo"
    shutil.copytree(repo / "resources" / "demo", data)
    clinical = data / "nsclc_b" / "clinical.csv"
    lines = clinical.read_text().splitlines()
    # Line 1 is the SYNTHETIC banner, line 2 the header (patient_id,age_years,sex,ajcc_stage,...).
    header = lines[1].split(",")
    sex, stage = header.index("sex"), header.index("ajcc_stage")
    for i in range(2, len(lines)):
        cells = lines[i].split(",")
        if cells[sex] == "female":
            cells[sex] = PAYLOADS["sex coding"]
        if cells[stage] == "2":
            cells[stage] = PAYLOADS["stage coding"]
        lines[i] = ",".join(cells)
    clinical.write_text("\n".join(lines) + "\n")

    vocab = folder / "vocab"
    shutil.copytree(repo / "resources" / "vocab", vocab)
    types = vocab / "cancer_types.tsv"
    types.write_text(
        types.read_text().replace(
            "NSCLC\tNon-small cell lung cancer\t", f"NSCLC\t{PAYLOADS['cancer-type label']}\t"
        )
    )
    assert PAYLOADS["cancer-type label"] in types.read_text()

    specs = []
    for cohort in ("demo_nsclc_a", "demo_nsclc_b"):
        spec = yaml.safe_load((repo / "config" / "cohorts" / f"{cohort}.yaml").read_text())
        spec["description"] = PAYLOADS["description"]
        spec["provenance"] = PAYLOADS["provenance"]
        spec["label"] = PAYLOADS["cohort label"]
        if cohort == "demo_nsclc_b":
            spec["sex"]["map"] = {PAYLOADS["sex coding"]: "female"}
            spec["stage"]["map"] = {PAYLOADS["stage coding"]: "II"}
        path = folder / "cohorts" / f"{cohort}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        specs.append(path)

    config = small_config(repo, specs)
    config["data_dirs"] = {"demo": str(data)}
    config["vocabulary_dir"] = str(vocab)
    config["markers"][0]["label"] = PAYLOADS["marker label"]
    config["endpoints"][0]["label"] = PAYLOADS["endpoint label"]
    config["endpoints"].append({"id": "pfs", "label": RST_PAYLOAD})
    return config


@pytest.fixture(scope="module")
def hostile_run(repo_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    workdir = write_workdir(folder / "work", hostile_inputs(repo_dir, folder / "inputs"))
    proc = run_snakemake(repo_dir, workdir)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    report = run_snakemake(repo_dir, workdir, "--report", str(workdir / "report.html"))
    assert report.returncode == 0, (report.stdout + report.stderr)[-3000:]
    return workdir


def test_payloads_reached_the_outputs(hostile_run):
    """The run read the hostile inputs: the payloads are in the data, not filtered out."""
    patients = pd.read_csv(hostile_run / "results/harmonized/patients.tsv", sep="\t")
    assert set(patients["cancer_type_label"]) == {PAYLOADS["cancer-type label"]}
    # The codings were mapped through the spec, so the canonical values carry no markup.
    assert set(patients["sex"].dropna()) == {"female", "male"}
    assert "II" in set(patients["stage"].dropna())
    # The cohorts' names are in the flow, where the figures read them.
    flow = json.loads((hostile_run / "results/harmonized/flow.json").read_text())
    assert {c["label"] for c in flow["cohorts"]} == {PAYLOADS["cohort label"]}
    # Source codings, descriptions and provenance are not written to any result.
    unwritten = [PAYLOADS[k] for k in ("sex coding", "stage coding", "description", "provenance")]
    for path in (p for p in (hostile_run / "results").rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert not [t for t in unwritten if t.encode() in data], path


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


# The narrative page's own markup; anything else would have come from the data.
NARRATIVE_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "a",
    "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "script",
    "figure", "img", "figcaption",
}  # fmt: skip


def test_narrative_shows_payloads_as_text(hostile_run):
    html = (hostile_run / "results/report/narrative.html").read_text()
    parsed = TagCollector()
    parsed.feed(html)
    assert parsed.tags <= NARRATIVE_TAGS, parsed.tags - NARRATIVE_TAGS
    assert not {a for a in parsed.attributes if a.startswith("on")}
    # The one script is the table view's, as the library wrote it.
    assert html.count("<script") == 1 and table_view.SCRIPT in html
    # The images are the key figures, embedded: the flow diagram and the pan-cancer forest.
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert html.count("<img") == len(sources) >= 2
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert 'id="figure-flow"' in html and 'id="figure-forest_pancancer_' in html
    assert PAYLOADS["cohort label"] not in html
    for where in ("marker label", "endpoint label"):
        assert PAYLOADS[where] not in html, where
        assert escape(PAYLOADS[where]) in html, where


def test_script_end_tag_in_a_label(repo_dir, tmp_path):
    """A label that closes a script element is refused, or stays inert in report.html."""
    config = small_config(repo_dir, [repo_dir / "config" / "cohorts" / "demo_npc_a.yaml"])
    config["markers"][0]["label"] = BREAKOUT_LABEL
    workdir = write_workdir(tmp_path, config)
    target = "results/harmonized/patients.tsv"
    proc = run_snakemake(repo_dir, workdir, target)
    if proc.returncode != 0:
        assert "label" in proc.stdout + proc.stderr, (proc.stdout + proc.stderr)[-3000:]
        return
    report = run_snakemake(repo_dir, workdir, "--report", str(workdir / "report.html"), target)
    assert report.returncode == 0, (report.stdout + report.stderr)[-3000:]
    html = (workdir / "report.html").read_text()
    assert "IL-6 </script><script>alert(9)" not in html


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("needs chromium and chromedriver on PATH (Debian: chromium chromium-driver)")
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="needs the selenium package to drive Chromium"
    )
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="markersurv-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setBlockedURLs",
            {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]},
        )
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_HOOK})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def severe_messages(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def network_requests(driver) -> list[str]:
    """URLs the page asked for (from the performance log), other than local ones."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(OFFLINE_SCHEMES):
                urls.append(url)
    return urls


def pwned(driver) -> list:
    """Payload calls recorded in the page and in each of its frames."""
    from selenium.webdriver.common.by import By

    found = list(driver.execute_script("return window.__pwned || []"))
    for frame in driver.find_elements(By.TAG_NAME, "iframe"):
        driver.switch_to.frame(frame)
        try:
            found += driver.execute_script("return window.__pwned || []")
        finally:
            driver.switch_to.default_content()
    return found


def broken_images(driver) -> list[str]:
    """Image elements of the page that did not load (waits for pending ones)."""
    driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const pending = [...document.images].filter((img) => !img.complete);
        Promise.all(pending.map((img) => new Promise((ok) => {
          img.addEventListener('load', ok); img.addEventListener('error', ok);
        }))).then(() => done(true));
        """
    )
    return driver.execute_script(
        "return [...document.images].filter((img) => !(img.naturalWidth > 0))"
        ".map((img) => img.src.slice(0, 80))"
    )


def open_page(driver, path: Path) -> None:
    driver.get(path.as_uri())
    driver.get_log("browser")  # a fresh page starts with a fresh log below


def test_narrative_in_browser(browser, hostile_run):
    browser.get((hostile_run / "results/report/narrative.html").as_uri())
    assert pwned(browser) == []
    assert severe_messages(browser) == []
    assert network_requests(browser) == []
    text = browser.find_element("tag name", "body").text
    # The labels are on the page as the characters they are, markup included.
    assert PAYLOADS["marker label"] in text
    assert PAYLOADS["endpoint label"] in text
    assert broken_images(browser) == []
    # The table view ran: every result table's headers sort.
    heads = browser.find_elements("css selector", "table.view th")
    assert heads and all(h.get_attribute("tabindex") == "0" for h in heads)


def test_tables_sort_and_filter_in_browser(browser, tmp_path):
    """Clicking a header sorts by it (numbers as numbers, NA last), again reverses it; the
    filter box of a long table keeps the rows holding every word typed."""
    frame = pd.DataFrame(
        {
            "cancer_type": [f"T{k % 4}" for k in range(12)],
            "hr": [float("nan"), *[1.0 + 10 * k for k in range(11)]][::-1],
        }
    )
    page = tmp_path / "tables.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        f"{frame_html(frame)}{table_view.SCRIPT}</body></html>",
        encoding="utf-8",
    )
    open_page(browser, page)

    def column(k: int) -> list[str]:
        rows = browser.find_elements("css selector", "table.view tbody tr")
        return [r.find_elements("tag name", "td")[k].text for r in rows if r.is_displayed()]

    hr_head = browser.find_elements("css selector", "table.view th")[1]
    hr_head.click()
    values = column(1)
    assert values[-1] == "NA"
    numbers = [float(v) for v in values[:-1]]
    assert numbers == sorted(numbers) and numbers[0] == 1.0 and numbers[-1] == 101.0
    assert hr_head.get_attribute("aria-sort") == "ascending"
    hr_head.click()
    values = column(1)
    assert values[-1] == "NA"
    assert [float(v) for v in values[:-1]] == sorted(numbers, reverse=True)
    box = browser.find_element("css selector", "input.filter")
    box.send_keys("T2")
    assert set(column(0)) == {"T2"} and len(column(0)) == 3
    box.clear()
    box.send_keys(" ")
    assert len(column(0)) == 12
    assert severe_messages(browser) == []


def report_results(report: Path) -> dict:
    """The report's embedded result entries (path -> name, mime type, data URI, ...)."""
    html = report.read_text()
    start = html.index('<script id="results">')
    body = html[start : html.index("</script>", start)]
    return json.loads(body[body.index("{") : body.rindex("}") + 1])


def test_report_embeds_every_figure_as_png(hostile_run):
    results = report_results(hostile_run / "report.html")
    figures = sorted(
        str(p.relative_to(hostile_run)) for p in (hostile_run / "results/figures").rglob("*.png")
    )
    embedded = sorted(k for k, v in results.items() if v["mime_type"] == "image/png")
    assert embedded == figures
    for key in embedded:
        uri = results[key]["data_uri"]
        data = base64.b64decode(uri.split(";base64,", 1)[1])
        assert data.startswith(PNG_SIGNATURE), key
        assert data == (hostile_run / key).read_bytes(), key


def screenshot_of_shown_figure(driver, path: Path) -> Path:
    """A screenshot of the figure the report shows (its largest embedded PNG image), taken
    with the menu hidden so that the figure has the window's width."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def largest(driver):
        # the view fades in: an image has its size once it is laid out
        return driver.execute_script(
            "return [...document.images].filter((img) => img.src.startsWith('data:image/png')"
            " && img.width > 0).sort((a, b) => b.width * b.height - a.width * a.height)[0]"
        )

    menu = driver.find_element(By.TAG_NAME, "nav")
    driver.execute_script("arguments[0].style.display = 'none'", menu)
    try:
        image = WebDriverWait(driver, 10).until(largest)
        driver.execute_script("arguments[0].scrollIntoView()", image)
        assert image.size["width"] >= 300 and image.size["height"] >= 150, image.size
        path.write_bytes(image.screenshot_as_png)
    finally:
        driver.execute_script("arguments[0].style.display = ''", menu)
    return path


def not_blank(path: Path) -> bool:
    """A screenshot shows a figure: ink on at least 1% of it, in more than a few shades."""
    from PIL import Image

    with Image.open(path) as shot:
        grey = np.asarray(shot.convert("L"))
    return bool((grey < 200).mean() > 0.01 and len(np.unique(grey)) > 8)


def test_report_in_browser(browser, hostile_run, tmp_path):
    from selenium.webdriver.common.by import By

    screenshot_dir = tmp_path
    report = hostile_run / "report.html"
    results = report_results(report)
    browser.get(report.as_uri())
    browser.get_log("performance")

    def click(element) -> None:
        # A script click: the menu slides while it re-renders, so a pointer click can land
        # on the panel in front of the link.
        browser.execute_script("arguments[0].click()", element)

    def nav_link(text: str):
        links = browser.find_elements(By.XPATH, f"//nav//a[normalize-space()='{text}']")
        if not links:
            # Back to the menu's top level through the breadcrumbs' first (home) link.
            click(browser.find_element(By.CSS_SELECTOR, "nav ol li a"))
            links = browser.find_elements(By.XPATH, f"//nav//a[normalize-space()='{text}']")
        assert links, f"no link {text!r} in the report's menu"
        return links[0]

    # The general pages: the workflow description (captions rendered from the labels),
    # statistics (Vega charts) and the about page (config files).
    for page in ("Workflow", "Statistics", "About"):
        click(nav_link(page))
        assert pwned(browser) == [], page
    categories = categories_of(report)
    shown_images = 0
    shown_pages = 0
    screenshots: dict[str, Path] = {}
    figure_kinds = {v["labels"]["kind"] for v in results.values() if v["mime_type"] == "image/png"}
    for category in categories:
        click(nav_link(category))
        rows = len(browser.find_elements(By.CSS_SELECTOR, "nav table tbody tr"))
        assert rows > 0, category
        for i in range(rows):
            row = browser.find_elements(By.CSS_SELECTOR, "nav table tbody tr")[i]
            name = row.find_element(By.TAG_NAME, "td").text
            eye = row.find_elements(By.CSS_SELECTOR, "a[iconname=eye]")
            if eye and eye[0].get_dom_attribute("download") is None:
                click(eye[0])
                shown_images += browser.execute_script(
                    "return [...document.images].filter("
                    "(img) => img.src.startsWith('data:image/png')).length"
                )
                shown_pages += len(browser.find_elements(By.TAG_NAME, "iframe"))
                assert broken_images(browser) == [], (category, name)
                assert pwned(browser) == [], (category, name)
                if name in figure_kinds and name not in screenshots:
                    screenshots[name] = screenshot_of_shown_figure(
                        browser, screenshot_dir / f"{len(screenshots):02d}.png"
                    )
            # The result's page: caption and job parameters (with the config's labels).
            row = browser.find_elements(By.CSS_SELECTOR, "nav table tbody tr")[i]
            click(row.find_element(By.CSS_SELECTOR, "a[iconname=information-circle]"))
            assert pwned(browser) == [], (category, name, "info")
            click(nav_link(category))
    figures = sum(v["mime_type"] == "image/png" for v in results.values())
    pages = sum(v["mime_type"] == "text/html" for v in results.values())
    assert figures > 10 and pages == 1
    assert shown_images >= figures
    # One screenshot of each figure kind as the report shows it, none of them blank.
    assert set(screenshots) == figure_kinds
    for kind, path in screenshots.items():
        assert not_blank(path), (kind, path)
    assert shown_pages >= pages
    assert pwned(browser) == []
    assert severe_messages(browser) == []
    assert network_requests(browser) == []


def categories_of(report: Path) -> list[str]:
    html = report.read_text()
    match = re.search(r'<script id="categories">\s*var categories = (.*?);\s*</script>', html, re.S)
    assert match, "no categories in the report"
    return list(json.loads(match.group(1)))
