"""The project's exporters as lab services: where the binaries are, which flags they take."""
import os
import subprocess

from . import settings as S


def exporter_bin(name):
    paths = [os.path.join(b, "exporters", name, name) for b in S.BUILDS]
    return next((p for p in paths if os.access(p, os.X_OK)), paths[0])


def exporter_help(path):
    try:
        r = subprocess.run([path, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=5)
        return r.stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def flags_supported(path, flags):
    """Keep the flags the binary's --help mentions (the exporters are built in parallel with the lab)."""
    text = exporter_help(path)
    keep, dropped = [], []
    for f in flags:
        key = f.split("=", 1)[0]
        (keep if key in text else dropped).append(f)
    return keep, dropped
