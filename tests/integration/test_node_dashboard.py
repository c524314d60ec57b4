"""Our users watch their hosts with the "Node Exporter Full" dashboard (grafana.com 1860). Every metric it
queries that node_exporter 1.5 serves on this host with its default collectors, node-exporter-lite serves
with its own defaults too, with the same type and label names, so no panel goes blank after the switch.

The dashboard's metric names are in data/node-exporter-full-metrics.txt (where they come from is written at
its top). A name neither exporter serves here (no hwmon chip, no systemd collector...) is not checked.
"""
import os

import pytest

from helpers import parse_exposition
from test_node_compare import UPSTREAM_DEFAULTS, node_exporter_and_lite, scrape_both

NAMES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "node-exporter-full-metrics.txt")


def dashboard_names():
    with open(NAMES) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="module")
def both_with_defaults():
    with node_exporter_and_lite(UPSTREAM_DEFAULTS, []) as pair:
        yield pair


def label_names(family):
    return {name for key in family["samples"] for name, _ in key if name != "__name__"}


def test_dashboard_metrics_served(both_with_defaults):
    ne, lite = both_with_defaults
    names = dashboard_names()
    assert len(names) > 150, "the dashboard's metric list is truncated"
    ne_text, lite_text = scrape_both(ne, lite)
    theirs, ours = parse_exposition(ne_text), parse_exposition(lite_text)
    checked, problems = [], []
    for name in names:
        if name not in theirs or not theirs[name]["samples"]:
            continue
        checked.append(name)
        if name not in ours or not ours[name]["samples"]:
            problems.append(f"{name}: node_exporter serves it, we do not")
            continue
        if theirs[name]["type"] != ours[name]["type"]:
            problems.append(f"{name}: type {ours[name]['type']}, node_exporter's is {theirs[name]['type']}")
        if label_names(theirs[name]) != label_names(ours[name]):
            problems.append(f"{name}: labels {sorted(label_names(ours[name]))}, node_exporter's are "
                            f"{sorted(label_names(theirs[name]))}")
    # The dashboard's core (CPU, memory, disk, network, filesystem, load) is always there on Linux.
    assert len(checked) > 100, checked
    assert not problems, "\n".join(problems)
