"""tests/integration/ci_skips.py: with CI=true a skip fails the run, but in a listed file; without CI it is a skip."""
import os

import pytest

pytest_plugins = ["pytester"]

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "integration")
BODY = "import pytest\n\ndef test_a():\n    pytest.skip('no frobnicator')\n\ndef test_b():\n    pass\n"


@pytest.mark.parametrize("ci", [True, False])
def test_a_skip_fails_only_in_ci_and_off_the_list(pytester, monkeypatch, ci):
    # In this process: a pytest in a subprocess cost 0.7 s of the unit tier's 5 s, each.
    for name in ("test_x", "test_kafka_full"):
        pytester.makepyfile(**{name: BODY})
    monkeypatch.syspath_prepend(PLUGIN_DIR)
    monkeypatch.delenv("CI", raising=False)
    if ci:
        monkeypatch.setenv("CI", "true")
    r = pytester.runpytest_inprocess("-q", "-rfEs", "-p", "no:cacheprovider", "-p", "ci_skips")
    out = r.stdout.str() + r.stderr.str()
    if ci:
        assert r.ret == 1 and "1 failed, 2 passed, 1 skipped" in out, out
        assert "test_x.py::test_a - skipped in CI (CI=true): Skipped: no frobnicator" in out, out
    else:
        assert r.ret == 0 and "2 passed, 2 skipped" in out, out
