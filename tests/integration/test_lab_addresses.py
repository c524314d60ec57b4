"""Every address a new user is shown answers 200: what `lab up` (and so scripts/demo) ends with, each service
`lab status` lists, the addresses README.md prints, and the console pages with every link and script they load
(a script must come back as JavaScript: Debian's /classic/static/popper.js is a directory, served as a listing)."""
import os
import re
import socket
import urllib.error
import urllib.request
from html.parser import HTMLParser

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
URL = re.compile(r"https?://[^\s)`'\"<>]+")


def fetch(url):
    """(status, content type, body) of a GET, redirects followed; status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), ""
    except OSError:
        return 0, "", ""


def not_200(urls):
    return {u: code for u in urls for code, _, _ in [fetch(u)] if code != 200}


def test_every_address_lab_up_prints_answers_200(lab):
    out = lab.run("up", lab.profile or "default").stdout  # the running lab: starts nothing, prints where to look
    where = out[out.index("\nlab up ("):]
    urls = URL.findall(where)
    ui = re.search(r"prometheus\s+(\S+)/targets", where).group(1)
    assert {f"{ui}/targets", f"{ui}/graph", f"{ui}/alerts", f"{lab.prometheus}/consoles/index.html"} <= set(urls)
    exporters = {s["kind"] for s in lab.status()["services"] if not s["skipped"]} & {
        "kafka-exporter", "mirror-exporter", "node-exporter-lite"}
    for kind in exporters:
        assert re.search(rf"^  {kind}\s+http://", where, re.M), f"{kind} missing from:\n{where}"
    assert "next:" in where and "lab/lab load start" in where  # no load runs in the test lab
    assert not not_200(urls), (not_200(urls), where)
    lab.report(f"lab up prints {len(urls)} addresses, each answers 200")


def test_every_service_lab_status_lists_is_where_it_says(lab):
    st = lab.status()
    text = lab.run("status", check=False).stdout
    checked = 0
    for s in st["services"]:
        if s["skipped"]:
            continue
        assert re.search(rf"^  {re.escape(s['name'])}\s+\S+\s+{re.escape(s['host'])}\s", text, re.M), s["name"]
        for port in s["ports"]:
            if s["kind"] == "zookeeper" and port in (2888, 3888):
                continue  # quorum ports: only the leader listens on 2888
            with socket.create_connection((s["host"], port), timeout=5):
                checked += 1
        if s["kind"] in ("kafka-exporter", "mirror-exporter", "node-exporter-lite"):
            assert fetch(f"http://{s['host']}:{s['ports'][0]}/metrics")[0] == 200, s["name"]
    lab.report(f"lab status: {checked} host:port pairs listed, each accepts a connection")


def test_readme_addresses_answer_200(lab):
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    # README prints the default lab's addresses (LAB_PREFIX=127.0); the test lab runs on its own prefix.
    urls = [u.rstrip(".,;") for u in URL.findall(readme) if u.startswith("http://127.0.")]
    assert len(urls) >= 7, urls
    moved = [u.replace("http://127.0.", f"http://{lab.prefix}.", 1) for u in urls]
    assert not not_200(moved), not_200(moved)


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "link" and a.get("href"):
            self.styles.append(a["href"])
        elif tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])


def test_consoles_pages_links_and_scripts_answer(lab):
    index = f"{lab.prometheus}/consoles/index.html"
    code, _, body = fetch(index)
    assert code == 200, code
    pages, seen, assets = [index], set(), 0
    while pages:
        url = pages.pop()
        if url in seen:
            continue
        seen.add(url)
        code, _, body = fetch(url)
        assert code == 200, url
        if "/consoles/" not in url:
            continue  # a Prometheus page the menu links to (Alerts): answering is enough
        refs = Refs()
        refs.feed(body)
        for src in refs.scripts:
            code, ctype, _ = fetch(lab.prometheus + src)
            assert code == 200 and "javascript" in ctype, (url, src, code, ctype)
            assets += 1
        for href in refs.styles:
            code, ctype, _ = fetch(lab.prometheus + href)
            assert code == 200 and "text/css" in ctype, (url, href, code, ctype)
            assets += 1
        pages += [lab.prometheus + h for h in refs.links]
    assert len([u for u in seen if "/consoles/" in u]) >= 5 and any(u.endswith("/alerts") for u in seen), seen
    lab.report(f"consoles: {len(seen)} pages and {assets} scripts/styles answer 200 with their content type")
