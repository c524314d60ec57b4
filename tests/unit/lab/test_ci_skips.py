"""tests/integration/ci_skips.py: with CI=true a skip fails the run, but in a listed file; without CI it is a skip."""
import os
import subprocess
import sys

import pytest

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "integration")
BODY = "import pytest\n\ndef test_a():\n    pytest.skip('no frobnicator')\n\ndef test_b():\n    pass\n"


@pytest.mark.parametrize("ci", [True, False])
def test_a_skip_fails_only_in_ci_and_off_the_list(tmp_path, ci):
    for name in ("test_x.py", "test_kafka_full.py"):
        (tmp_path / name).write_text(BODY)
    env = dict(os.environ, PYTHONPATH=PLUGIN_DIR)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", "-p", "ci_skips",
                        str(tmp_path)], env=env, capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    if ci:
        assert r.returncode == 1 and "1 failed, 2 passed, 1 skipped" in out, out
        assert "test_x.py::test_a - skipped in CI (CI=true): Skipped: no frobnicator" in out, out
    else:
        assert r.returncode == 0 and "2 passed, 2 skipped" in out, out
