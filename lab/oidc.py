#!/usr/bin/env python3
"""lab/oidc.py -- a small, real OAuth 2.0 / OIDC token endpoint for the lab (client-credentials grant only).

  POST /token    grant_type=client_credentials; the client authenticates with HTTP Basic (client_secret_basic,
                 RFC 6749 2.3.1) or client_id/client_secret in the form (client_secret_post). Answers
                 {"access_token": <RS256 JWT>, "token_type": "Bearer", "expires_in": N}; 401 invalid_client else.
  GET  /jwks     the signing key as a JWK Set (what Kafka's OAuthBearerValidatorCallbackHandler fetches)
  GET  /.well-known/openid-configuration
  GET  /metrics  oidc_tokens_issued_total{client_id}, oidc_token_requests_rejected_total (Prometheus text)

Tokens carry iss, sub (the client id), aud, iat, nbf, exp (iat + --lifetime), jti and scope. They are signed with
the openssl CLI (RS256: SHA-256 with PKCS#1 v1.5 padding), so nothing beyond the standard library is needed.
Test material: the client secrets are in the --clients JSON file ({"client id": "secret"}).
"""
import argparse
import base64
import json
import os
import subprocess
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def public_jwk(key_path, kid):
    out = subprocess.run(["openssl", "rsa", "-in", key_path, "-noout", "-modulus"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    n = bytes.fromhex(out.strip().split("=", 1)[1])
    text = subprocess.run(["openssl", "rsa", "-in", key_path, "-noout", "-text"], check=True,
                          stdout=subprocess.PIPE, text=True).stdout
    e = int(text.split("publicExponent:")[1].split()[0])
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": b64url(n),
            "e": b64url(e.to_bytes((e.bit_length() + 7) // 8, "big"))}


class Issuer:
    def __init__(self, key, kid, issuer, audience, lifetime, clients):
        self.key, self.kid, self.issuer, self.audience = key, kid, issuer, audience
        self.lifetime, self.clients = lifetime, clients
        self.lock = threading.Lock()
        self.issued = {c: 0 for c in clients}
        self.rejected = 0

    def token(self, client_id):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {"iss": self.issuer, "sub": client_id, "aud": self.audience, "iat": now, "nbf": now,
                  "exp": now + self.lifetime, "jti": uuid.uuid4().hex, "scope": "kafka"}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signing_input.encode(),
                             check=True, stdout=subprocess.PIPE).stdout
        return signing_input + "." + b64url(sig)


def make_handler(iss, jwks):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            print(f"{self.address_string()} {fmt % args}", flush=True)

        def reply(self, code, body, ctype="application/json", headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/jwks":
                self.reply(200, json.dumps(jwks))
            elif path == "/.well-known/openid-configuration":
                base = iss.issuer
                self.reply(200, json.dumps({"issuer": base, "token_endpoint": base + "/token",
                                            "jwks_uri": base + "/jwks",
                                            "grant_types_supported": ["client_credentials"],
                                            "token_endpoint_auth_methods_supported":
                                                ["client_secret_basic", "client_secret_post"],
                                            "id_token_signing_alg_values_supported": ["RS256"]}))
            elif path == "/metrics":
                with iss.lock:
                    lines = ["# HELP oidc_tokens_issued_total Access tokens issued, by client.",
                             "# TYPE oidc_tokens_issued_total counter"]
                    lines += [f'oidc_tokens_issued_total{{client_id="{c}"}} {n}' for c, n in iss.issued.items()]
                    lines += ["# HELP oidc_token_requests_rejected_total Token requests refused (bad client or grant).",
                              "# TYPE oidc_token_requests_rejected_total counter",
                              f"oidc_token_requests_rejected_total {iss.rejected}"]
                self.reply(200, "\n".join(lines) + "\n", "text/plain; version=0.0.4")
            else:
                self.reply(404, '{"error":"not_found"}')

        def refuse(self, code, error):
            with iss.lock:
                iss.rejected += 1
            hdr = [("WWW-Authenticate", 'Basic realm="lab-oidc"')] if error == "invalid_client" else []
            self.reply(code, json.dumps({"error": error}), headers=hdr)

        def do_POST(self):
            if self.path.split("?", 1)[0] != "/token":
                return self.reply(404, '{"error":"not_found"}')
            n = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(min(n, 65536)).decode(errors="replace"))
            cid = (form.get("client_id") or [None])[0]
            secret = (form.get("client_secret") or [None])[0]
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
                    cid, secret = urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(pw)
                except (ValueError, UnicodeDecodeError):
                    return self.refuse(401, "invalid_client")
            if (form.get("grant_type") or [None])[0] != "client_credentials":
                return self.refuse(400, "unsupported_grant_type")
            if not cid or iss.clients.get(cid) is None or iss.clients[cid] != secret:
                return self.refuse(401, "invalid_client")
            tok = iss.token(cid)
            with iss.lock:
                iss.issued[cid] += 1
            self.reply(200, json.dumps({"access_token": tok, "token_type": "Bearer", "expires_in": iss.lifetime,
                                        "scope": "kafka"}))

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", required=True, help="host:port")
    ap.add_argument("--key", required=True, help="RSA private key (PEM) that signs the tokens")
    ap.add_argument("--clients", required=True, help='JSON file {"client id": "secret"}')
    ap.add_argument("--audience", default="kafka")
    ap.add_argument("--lifetime", type=int, default=300, help="token lifetime, seconds")
    ap.add_argument("--jwks-out", help="also write the JWK Set to this file")
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)
    with open(a.clients) as f:
        clients = json.load(f)
    kid = "lab-" + str(os.path.getmtime(a.key)).replace(".", "")[-10:]
    jwks = {"keys": [public_jwk(a.key, kid)]}
    if a.jwks_out:
        with open(a.jwks_out, "w") as f:
            json.dump(jwks, f)
    iss = Issuer(a.key, kid, f"http://{host}:{port}", a.audience, a.lifetime, clients)
    srv = ThreadingHTTPServer((host, int(port)), make_handler(iss, jwks))
    print(f"oidc: listening on {a.listen}, clients {', '.join(clients)}, token lifetime {a.lifetime}s", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
