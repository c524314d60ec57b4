"""The console views (prometheus/consoles) in a real browser (headless Chromium over the DevTools protocol) against
the lab's Prometheus with its load running: no JavaScript error and no failed load in the console, every graph
drawn with data, no horizontal scroll at 1280 px, y axis labels a reader can read (no 0.000e+0), y ticks on a flat
graph, and text that matches the running lab (no kafka02 on a one-broker lab)."""
import os
import re
import time

import pytest

from browser import Browser, chromium_binary
from helpers import prom  # noqa: F401 -- the fixture, found by pytest under this name

PAGES = ["index.html", "kafka-clusters.html", "consumer-lag.html", "mirrormaker2.html", "hosts.html"]
DATA_TIMEOUT = float(os.environ.get("BUNDLE_DATA_TIMEOUT", "240"))
# What each page shows of its graphs, read in the page.
INSPECT = """(() => {
  const graphs = [...document.querySelectorAll('.kafka-graphs > div')].map(d => ({
    title: (d.querySelector('h3') || {}).textContent || '',
    drawn: !!d.querySelector('svg'),
    error: [...d.querySelectorAll('.prom_graph_error')].map(e => e.textContent).join(' '),
    ticks: d.querySelectorAll('.y_ticks .tick').length,
    yticks: [...d.querySelectorAll('.y_ticks text')].map(t => t.textContent.trim()).filter(x => x),
  }));
  return {graphs, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth,
          text: document.body.innerText,
          nodata: [...document.querySelectorAll('.kafka-stat.bad')].map(e => e.textContent.trim())};
})()"""


@pytest.fixture(scope="module")
def browser():
    if not chromium_binary():
        pytest.fail("chromium missing: scripts/install-deps installs it")
    with Browser(width=1280, height=900) as b:
        yield b


def problems(lab, info, errors):
    out = [f"console: {e}" for e in errors if "favicon.ico" not in e]
    if info["scrollWidth"] > info["width"]:
        out.append(f"horizontal scroll: {info['scrollWidth']} px wide at {info['width']} px")
    for g in info["graphs"]:
        if g["error"] or not g["drawn"]:
            out.append(f"graph without data: {g['title']!r}: {g['error'] or 'not drawn'}")
        elif not g["yticks"]:  # Rickshaw draws 1-2 ticks in 180 px; none is the flat-graph bug
            out.append(f"graph without y ticks: {g['title']!r}: {g['ticks']} ticks, labels {g['yticks']}")
        unreadable = [t for t in g["yticks"] if re.search(r"\de[+-]\d", t)]
        if unreadable:
            out.append(f"unreadable y ticks in {g['title']!r}: {unreadable}")
    if info["nodata"]:
        out.append(f"stats without data: {info['nodata']}")
    hosts = set(lab.hosts) - ({f"kafka0{n}" for n in range(1, lab.brokers + 1)} |
                              {f"zk0{n}" for n in range(1, lab.brokers + 1)})
    shown = sorted(h for h in hosts if re.search(rf"\b{h}\b", info["text"]))
    if shown or re.search(r"\b(kafka|zk)01\.\.03\b", info["text"]) and lab.brokers < 3:
        out.append(f"names hosts this lab does not run: {shown or '..03'}")
    return out


@pytest.mark.parametrize("page", PAGES)
def test_console_in_a_browser(lab, prom, browser, page):
    url = f"{prom}/consoles/{page}"
    deadline = time.monotonic() + DATA_TIMEOUT
    while True:
        errors = browser.open(url, settle=6)
        info = browser.evaluate(INSPECT)
        found = problems(lab, info, errors)
        # Graphs of a young lab may still lack data (rates need two scrapes): wait for them, not for errors.
        if not found or time.monotonic() > deadline or any(p.startswith(("console:", "horizontal", "names"))
                                                           for p in found):
            break
        time.sleep(10)
    assert not found, f"{page}:\n" + "\n".join(found)
    lab.report(f"console {page} in Chromium: {len(info['graphs'])} graphs with data, no console error, "
               f"{info['scrollWidth']} px wide at 1280")
