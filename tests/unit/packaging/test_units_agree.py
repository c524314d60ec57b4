"""packaging/systemd/<exporter>.service (the .deb's) and ansible/roles/<role>/templates/<exporter>.service.j2 are
the same unit: the template rendered with its role's defaults for a .deb install is the .deb's file, line for line,
but the first (who wrote it: the .deb's comment, Ansible's ansible_managed). A hardening line added to one and not
the other fails here."""
import os

import jinja2
import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EXPORTERS = ["kafka-exporter", "mirror-exporter", "node-exporter-lite"]


def role_defaults(role, **given):
    with open(os.path.join(REPO, "ansible", "roles", role, "defaults", "main.yml")) as f:
        v = dict(yaml.safe_load(f), **given)
    for _ in range(5):  # defaults that refer to other defaults
        v = {k: jinja2.Template(x).render(**v) if isinstance(x, str) and "{{" in x else x for k, x in v.items()}
    return v


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_ansible_unit_is_the_deb_unit(exporter):
    role = exporter.replace("-", "_")
    with open(os.path.join(REPO, "ansible", "roles", role, "templates", f"{exporter}.service.j2")) as f:
        template = jinja2.Template(f.read(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    v = role_defaults(role, **{f"{role}_install_method": "deb"})
    rendered = template.render(ansible_managed="Ansible managed", **v).splitlines()
    with open(os.path.join(REPO, "packaging", "systemd", f"{exporter}.service")) as f:
        deb = f.read().splitlines()
    assert rendered[0] == "# Ansible managed" and deb[0].startswith(f"# {exporter}: ")
    assert rendered[1:] == deb[1:]
    assert f"ExecStart=/usr/bin/{exporter} $ARGS" in deb and f"User={exporter}" in deb
