"""The container files: the Dockerfile lints clean, compose.yaml is valid Compose, and both say
what production needs. No Docker engine here: neither is built nor started by these tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
HADOLINT = Path(sys.executable).with_name("hadolint")


def compose() -> dict[str, Any]:
    value: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return value


def final_stage() -> str:
    return (ROOT / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]


def test_the_dockerfile_lints_clean() -> None:
    done = subprocess.run([str(HADOLINT), "--failure-threshold", "style", "--no-color",
                           "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_multi_stage_non_root_and_checks_its_health() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) == 2 and " AS build" in text
    final = final_stage()
    assert "COPY --from=build /opt/venv /opt/venv" in final
    user = re.search(r"^USER (\S+)", final, re.MULTILINE)
    assert user and user.group(1).split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in final and "/health" in final
    assert not re.search(r"apt-get|apk add|gcc|build-essential", final)  # no build tools


def test_the_image_copies_every_module_the_package_installs() -> None:
    """A package added to pyproject.toml but not copied would be missing from the image."""
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    text = (ROOT / "Dockerfile").read_text()
    copied = set()
    for line in re.findall(r"^COPY (?!--from)(.+) \./\S*$", text, re.MULTILINE):
        copied.update(line.split())
    for module in setup["py-modules"]:
        assert f"{module}.py" in copied, module
    for package in setup["packages"]:
        assert package.split(".")[0] in copied, package


def test_compose_is_valid_against_the_compose_specification() -> None:
    schema = json.loads((ROOT / "tests/data/compose-spec.json").read_text())
    jsonschema.validate(compose(), schema)


def test_compose_runs_two_servers_on_a_replica_set_behind_a_proxy() -> None:
    services = compose()["services"]
    servers = {name: s for name, s in services.items() if s.get("image") == "omnisales:latest"}
    assert len(servers) == 2
    for server in servers.values():
        env = server["environment"]
        assert env["COORDINATION"] == "database" and env["ENVIRONMENT"] == "production"
        assert "replicaSet=rs0" in env["MONGO_URI"]
        assert server["depends_on"]["mongo-init"]["condition"] == (
            "service_completed_successfully")
        assert env["TRUSTED_PROXIES"] == services["proxy"]["networks"]["omnisales"][
            "ipv4_address"]
    members = [name for name, s in services.items() if "--replSet" in s.get("command", [])]
    assert len(members) == 3
    init = (ROOT / "deploy/mongo-init.js").read_text()
    assert all(f"{name}:27017" in init for name in members)
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    assert all(f"server {name}:8000" in nginx for name in servers)
    assert "proxy_buffering off" in nginx  # the event stream is not held back
    assert services["ollama"]["profiles"] == ["ollama"]
