"""OAUTHBEARER in the lab: lab/oidc.py (a real client-credentials token endpoint, RS256 JWTs) on kafka01:8180, and the
OAUTHBEARER half of the upstream brokers' SASL_PLAINTEXT listener (kerberos.SASL_PORT), validated by Kafka's own
OAuthBearerValidatorCallbackHandler against the endpoint's JWKS (signature, exp, iss, aud: nothing unsecured).

Tokens live TOKEN_LIFETIME seconds, so clients fetch new ones while a test watches (librdkafka asks at 80% of the
lifetime); the endpoint counts what it issued (oidc_tokens_issued_total on its /metrics).
Made once per prefix under $LAB_STATE/oauth: the signing key and the clients file. Test material: `lab env --json`
prints the client secret on purpose.
"""
import json
import os
import secrets
import subprocess
import sys

from .service import Service
from .settings import LAB_DIR
from .util import cached_material

PORT = 8180
CLIENT = "exporter"
AUDIENCE = "kafka"
TOKEN_LIFETIME = 20
STAMP_VERSION = 1


def odir(state):
    return os.path.join(state, "oauth")


def ensure_material(state, prefix, up_addr):
    d = odir(state)
    info_path = os.path.join(d, "oauth.json")
    host = up_addr(1)
    want = {"version": STAMP_VERSION, "prefix": prefix}
    info = cached_material(info_path, want)
    if info:
        return info
    os.makedirs(d, mode=0o700, exist_ok=True)
    key = os.path.join(d, "signing.key")
    r = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl genpkey failed: {r.stdout[-500:]}")
    secret = "lab-" + secrets.token_hex(12)
    clients = os.path.join(d, "clients.json")
    with open(clients, "w") as f:
        json.dump({CLIENT: secret}, f)
    for f in (key, clients):
        os.chmod(f, 0o600)
    base = f"http://{host}:{PORT}"
    info = {"stamp": want, "files": {"key": key, "clients": clients}, "client_id": CLIENT, "client_secret": secret,
            "token_url": base + "/token", "jwks_url": base + "/jwks", "metrics": base + "/metrics", "issuer": base,
            "audience": AUDIENCE, "token_lifetime": TOKEN_LIFETIME, "host": host}
    with open(info_path, "w") as f:
        json.dump(info, f, indent=2)
    return info


def services(t):
    """The token endpoint, before the brokers (stage infra): they fetch its JWKS at start."""
    info = t.get("oauth")
    if not info:
        return []
    host = info["host"]
    cmd = [sys.executable, os.path.join(LAB_DIR, "oidc.py"), f"--listen={host}:{PORT}",
           f"--key={info['files']['key']}", f"--clients={info['files']['clients']}", f"--audience={AUDIENCE}",
           f"--lifetime={TOKEN_LIFETIME}"]
    return [Service("oidc", "oidc", host, [PORT], cmd, health=("http", info["jwks_url"]), stage="infra",
                    note=f"token endpoint {info['token_url']}, lifetime {TOKEN_LIFETIME}s", start_timeout=20)]


def broker_props(info):
    p = "listener.name.sasl_plaintext.oauthbearer."
    return {
        p + "sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
        p + "sasl.server.callback.handler.class":
            "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
        p + "sasl.oauthbearer.jwks.endpoint.url": info["jwks_url"],
        p + "sasl.oauthbearer.expected.audience": AUDIENCE,
        p + "sasl.oauthbearer.expected.issuer": info["issuer"],
    }


def jvm_flags(info):
    # Kafka 3.9.1+ checks SASL OAUTHBEARER URLs against this list (CVE-2025-27817).
    return [f"-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={info['jwks_url']},{info['token_url']}"]


def env_view(info, boot):
    return {"bootstrap": boot["upstream_sasl_plaintext"], "token_url": info["token_url"],
            "jwks_url": info["jwks_url"], "metrics": info["metrics"], "client_id": info["client_id"],
            "client_secret": info["client_secret"], "audience": AUDIENCE, "token_lifetime": TOKEN_LIFETIME}
