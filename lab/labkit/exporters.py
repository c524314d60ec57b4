"""The project's exporters as lab services: where the binaries are, which flags they take."""
import os
import re
import subprocess

from . import settings as S
from .settings import LabError


def exporter_bin(name):
    paths = [os.path.join(b, "exporters", name, name) for b in S.BUILDS]
    return next((p for p in paths if os.access(p, os.X_OK)), paths[0])


def exporter_help(path):
    try:
        r = subprocess.run([path, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=5)
        return r.stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def check_flags(path, flags):
    """Raises LabError naming every flag of `flags` that the binary's --help does not list (a binary built
    before the flag existed, or a flag misspelt here): the lab never runs an exporter with flags left out."""
    text = exporter_help(path)
    if not text.strip():
        raise LabError(f"{path} --help printed nothing: cannot check its flags")
    listed = set()
    for neg, name in re.findall(r"--(\[no-\])?([A-Za-z0-9][A-Za-z0-9_.-]*)", text):
        listed |= {name, "no-" + name} if neg else {name}
    unknown = [f for f in flags if f.startswith("--") and f[2:].split("=", 1)[0] not in listed]
    if unknown:
        raise LabError(f"{path} does not list {' '.join(f.split('=', 1)[0] for f in unknown)} in --help "
                       "(built from older sources? rebuild it: cmake --build build)")
