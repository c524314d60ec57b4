"""The lab's modules (lab/labkit) importable, and each test with its own LAB_STATE and LAB_PREFIX."""
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, "lab"))

from labkit import settings  # noqa: E402


@pytest.fixture(autouse=True)
def lab_settings(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "STATE", str(tmp_path / "state"))
    monkeypatch.setattr(settings, "PREFIX", "127.99")
    return settings
