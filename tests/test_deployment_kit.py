"""The deployment kit stays in step with the code: compose names every service, .env.example names
every setting config/settings.py reads, the gunicorn timeout outlasts the PDF limit, and the locks
(requirements/, `make lock`) hold pyproject.toml's pins."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent


def _settings_env_vars() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r"env(?:\.[a-z]+)?\(\s*\"([A-Z0-9_]+)\"", source))


def _example_env_vars() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_env_example_names_every_setting_the_settings_module_reads():
    read = _settings_env_vars()
    assert len(read) > 40  # the regex found them (it cannot pass by finding nothing)
    assert sorted(read - _example_env_vars()) == []


def test_compose_names_every_service_and_they_are_wired():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "db", "redis", "proxy"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][-1] == "run_worker"
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert services["db"]["image"].startswith("postgres:15")


def test_proxy_allows_10_mb_uploads_and_outwaits_gunicorn_which_outwaits_pdfs():
    from reports.pdf import TIME_LIMIT_SECONDS

    caddy = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"max_size 12MB", caddy)
    read_timeout = int(re.search(r"read_timeout (\d+)s", caddy).group(1))
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own config file
    assert read_timeout > namespace["timeout"] > TIME_LIMIT_SECONDS


def test_dockerfile_runs_gunicorn_with_its_config():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]' in dockerfile


def _lock_pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    return {_normalise(n): v for n, v in re.findall(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", text, re.M)}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_pins(*extras: str) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    pins = {}
    for requirement in wanted:
        name, version = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", requirement).groups()
        pins[_normalise(name)] = version
    return pins


@pytest.mark.parametrize(("lock", "extras"), [("prod.txt", ("s3",)), ("dev.txt", ("s3", "dev"))], ids=["prod", "dev"])
def test_locks_hold_every_pin_of_pyproject_with_hashes(lock, extras):
    """A pin changed in pyproject.toml without `make lock` would build an image of the old version."""
    pins = _pyproject_pins(*extras)
    locked = _lock_pins(lock)
    assert {name: locked.get(name) for name in pins} == pins
    text = (ROOT / "requirements" / lock).read_text()
    assert all("--hash=sha256:" in entry for entry in re.split(r"\n(?=\S)", text) if "==" in entry)


def test_dev_lock_keeps_the_versions_of_the_prod_lock():
    prod, dev = _lock_pins("prod.txt"), _lock_pins("dev.txt")
    assert {name: dev.get(name) for name in prod} == prod


def test_dockerfile_installs_the_prod_lock_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes -r requirements/prod.txt" in dockerfile
    assert "pip install '." not in dockerfile  # nothing resolved afresh at build time
