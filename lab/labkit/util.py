"""Small helpers: errors, files, ports, HTTP."""
import json
import os
import socket
import sys
import urllib.error
import urllib.request


def die(msg, code=1):
    print(f"lab: {msg}", file=sys.stderr)
    sys.exit(code)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def cached_material(info_path, want):
    """The JSON that made some key material (certificates, keytabs, signing keys), if its stamp matches `want` and
    every file it lists still exists; None when the material must be made again."""
    try:
        with open(info_path) as f:
            info = json.load(f)
        if all(info.get("stamp", {}).get(k) == v for k, v in want.items()) and \
                all(os.path.exists(p) for p in info["files"].values()):
            return info
    except (OSError, ValueError, KeyError):
        pass
    return None


def props(d):
    return "".join(f"{k}={v}\n" for k, v in d.items())


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_free(host, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def http(method, url, body=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            return r.status, raw.decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (OSError, urllib.error.URLError) as e:
        return 0, str(e)


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)\n"
