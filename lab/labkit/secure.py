"""The lab's secured listeners on the upstream brokers: SASL_SSL (PLAIN and SCRAM-SHA-512) and SSL with a required
client certificate, next to PLAINTEXT and WAN. Test CA, certificates and credentials live in $LAB_STATE/tls.

Everything here is test material: the CA key and the passwords are printed by `lab env --json` on purpose.
Certificates use EC P-256 keys (openssl makes one in milliseconds, where RSA takes a good part of a second),
PEM files throughout (Kafka 3.9 and 4.x read PEM key stores: ssl.keystore.type=PEM).
"""
import json
import os
import secrets
import shutil
import subprocess

from .util import cached_material

SASL_SSL_PORT = 9095
SSL_PORT = 9096
MECHANISMS = ["PLAIN", "SCRAM-SHA-512"]
USER = "exporter"  # one user, known to PLAIN (broker JAAS) and to SCRAM-SHA-512 (kafka-configs)
STAMP_VERSION = 1
SCRAM_NOTE = ("librdkafka before 2.6.1 (Debian's 2.0.2: kcat and the exporters) fails SCRAM against Kafka 4.x brokers "
              "(a nonce bug Kafka 4 no longer tolerates, librdkafka#4895); Java clients authenticate. Kafka 3.9: fine.")


def tls_dir(state):
    return os.path.join(state, "tls")


def bootstraps(up_addr, brokers):
    return {
        "upstream_sasl_ssl": ",".join(f"{up_addr(i)}:{SASL_SSL_PORT}" for i in range(1, brokers + 1)),
        "upstream_ssl": ",".join(f"{up_addr(i)}:{SSL_PORT}" for i in range(1, brokers + 1)),
    }


def _openssl(args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{r.stdout[-1500:]}")


def _cert(d, name, subject, ca, ext):
    """name.key (PKCS#8, unencrypted) and name.crt signed by ca (None: self-signed CA)."""
    args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "3650", "-subj", subject]
    if ca:
        # `req -x509` applies openssl.cnf's v3_ca section (CA:TRUE): a leaf says otherwise explicitly.
        args += ["-CA", f"{ca}.crt", "-CAkey", f"{ca}.key"]
        ext = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"] + ext
    for e in ext:
        args += ["-addext", e]
    _openssl(args, d)


def ensure_material(state, prefix, brokers, up_addr):
    """The CA, one certificate per upstream broker, a client certificate and the user's password, made once per
    (prefix, brokers) and kept across `up`s. Returns what `lab env --json` prints under "secure"."""
    d = tls_dir(state)
    info_path = os.path.join(d, "secure.json")
    want = {"version": STAMP_VERSION, "prefix": prefix, "brokers": brokers}
    info = cached_material(info_path, want)
    if info:
        return info
    if not shutil.which("openssl"):
        raise RuntimeError("openssl is not installed (apt-get install openssl): the lab makes its test CA with it")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, mode=0o700)
    ca_ext = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
    _cert(d, "ca", f"/CN=lab-ca-{prefix}", None, ca_ext)
    files = {"ca": os.path.join(d, "ca.crt")}
    for n in range(1, brokers + 1):
        name = f"kafka0{n}"
        _cert(d, name, f"/CN={name}", "ca", [f"subjectAltName=IP:{up_addr(n)},DNS:{name},DNS:localhost",
                                             "extendedKeyUsage=serverAuth,clientAuth"])
        # Kafka's PEM key store: the private key and the certificate chain in one file.
        with open(os.path.join(d, f"{name}.pem"), "w") as out:
            for part in (f"{name}.key", f"{name}.crt", "ca.crt"):
                with open(os.path.join(d, part)) as f:
                    out.write(f.read())
        files[f"{name}_keystore"] = os.path.join(d, f"{name}.pem")
    _cert(d, "client", f"/CN={USER}", "ca", ["extendedKeyUsage=clientAuth"])
    files["client_cert"] = os.path.join(d, "client.crt")
    files["client_key"] = os.path.join(d, "client.key")
    for f in os.listdir(d):
        if f.endswith((".key", ".pem")):
            os.chmod(os.path.join(d, f), 0o600)
    info = {
        "stamp": want,
        "files": files,
        "user": USER,
        "password": "lab-" + secrets.token_hex(12),
        "mechanisms": MECHANISMS,
        "ports": {"sasl_ssl": SASL_SSL_PORT, "ssl": SSL_PORT},
    }
    with open(info_path, "w") as f:
        json.dump(info, f, indent=2)
    return info


def listeners(host):
    """(listeners, advertised, protocol map) entries for one upstream broker."""
    return ([f"SASL_SSL://{host}:{SASL_SSL_PORT}", f"SSL://{host}:{SSL_PORT}"],
            [f"SASL_SSL://{host}:{SASL_SSL_PORT}", f"SSL://{host}:{SSL_PORT}"],
            ["SASL_SSL:SASL_SSL", "SSL:SSL"])


def broker_props(info, name):
    """TLS and SASL settings of one upstream broker; the inter-broker listener stays PLAINTEXT."""
    pw = info["password"]
    return {
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": info["files"][f"{name}_keystore"],
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": info["files"]["ca"],
        "listener.name.ssl.ssl.client.auth": "required",
        "listener.name.sasl_ssl.ssl.client.auth": "none",
        "listener.name.sasl_ssl.sasl.enabled.mechanisms": ",".join(MECHANISMS),
        "listener.name.sasl_ssl.plain.sasl.jaas.config":
            f'org.apache.kafka.common.security.plain.PlainLoginModule required user_{USER}="{pw}";',
        "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
            "org.apache.kafka.common.security.scram.ScramLoginModule required;",
    }


def scram_tool_args(info, bootstrap):
    """kafka-configs arguments that create the SCRAM-SHA-512 user, as users do (through the brokers)."""
    return ["--bootstrap-server", bootstrap, "--alter", "--add-config",
            f"SCRAM-SHA-512=[password={info['password']}]", "--entity-type", "users", "--entity-name", info["user"]]


def kcat_args(info, kind, bootstrap, mechanism="SCRAM-SHA-512", password=None):
    """kcat -X settings for the secured listener `kind` (sasl_ssl or ssl)."""
    x = {"ssl.ca.location": info["files"]["ca"]}
    if kind == "sasl_ssl":
        x.update({"security.protocol": "SASL_SSL", "sasl.mechanisms": mechanism, "sasl.username": info["user"],
                  "sasl.password": password or info["password"]})
    else:
        x.update({"security.protocol": "SSL", "ssl.certificate.location": info["files"]["client_cert"],
                  "ssl.key.location": info["files"]["client_key"]})
    args = ["-b", bootstrap]
    for k, v in x.items():
        args += ["-X", f"{k}={v}"]
    return args


def env_view(info, boot):
    """What `lab env --json` prints under "secure"."""
    f = info["files"]
    return {
        "sasl_ssl": {"bootstrap": boot["upstream_sasl_ssl"], "port": SASL_SSL_PORT, "mechanisms": MECHANISMS,
                     "username": info["user"], "password": info["password"], "ca": f["ca"]},
        "ssl": {"bootstrap": boot["upstream_ssl"], "port": SSL_PORT, "client_auth": "required", "ca": f["ca"],
                "cert": f["client_cert"], "key": f["client_key"]},
        "ca": f["ca"],
        "dir": os.path.dirname(f["ca"]),
        "scram_note": SCRAM_NOTE,
    }
