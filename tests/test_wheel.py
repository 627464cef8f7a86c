"""Packaging proof: the built wheel works on its own.

Build the wheel, install it (with its dependencies, from the package index or
pip's cache) into a brand-new venv without system site-packages, and run
``nlentry parse`` from a directory that is not the repository. The grammar and
the locale lexicons must travel inside the wheel (``nlentry/grammar``,
``nlentry/locales``), since the top-level ``grammar/`` and ``locales/`` folders
of a checkout are not there after ``pip install``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        cwd=base,
    )
    wheels = sorted(dist.glob("nlentry-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=base)
    python = venv / BIN / "python"
    _run([str(python), "-m", "pip", "install", "-q", str(wheels[0])], cwd=base)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return {"wheel": wheels[0], "venv": venv, "python": python, "cwd": elsewhere}


def test_fresh_venv_has_no_system_site_packages(installed):
    cfg = (installed["venv"] / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg


def test_installed_cli_parses_from_another_directory(installed):
    nlentry = installed["venv"] / BIN / "nlentry"
    proc = _run(
        [str(nlentry), "parse", "2,5 uur aan Timi gewerkt", "--today", "2026-03-18"],
        cwd=installed["cwd"],
        timeout=120,
    )
    out = json.loads(proc.stdout)
    assert out["duration"] == 9000
    assert out["date"] == "2026-03-18"
    assert out["locale"] == "nl"


def test_installed_package_is_the_wheel_not_the_checkout(installed):
    code = (
        "import json, nlentry, nlentry.parsing.data_files as r; "
        "print(json.dumps({'file': nlentry.__file__, "
        "'grammar': str(r.data_dir('grammar')), 'locales': str(r.data_dir('locales')), "
        "'duration': nlentry.parse('anderhalf uur', today='2026-03-18').duration}))"
    )
    proc = _run([str(installed["python"]), "-c", code], cwd=installed["cwd"], timeout=120)
    info = json.loads(proc.stdout)
    venv = installed["venv"].resolve()
    pkg = Path(info["file"]).resolve().parent
    assert pkg.is_relative_to(venv), info
    assert not pkg.is_relative_to(REPO), info
    assert Path(info["grammar"]).resolve() == pkg / "grammar"
    assert Path(info["locales"]).resolve() == pkg / "locales"
    assert info["duration"] == 5400
    # the data files themselves, on disk in the installed package
    lark_files = sorted(p.name for p in (pkg / "grammar").glob("*.lark"))
    assert lark_files, "no grammar/*.lark in the installed package"
    assert sorted(p.name for p in (REPO / "grammar").glob("*.lark")) == lark_files
    for locale in ("nl.toml", "en.toml"):
        installed_file = pkg / "locales" / locale
        assert installed_file.is_file(), installed_file
        lexicon = tomllib.loads(installed_file.read_text(encoding="utf-8"))
        assert lexicon, installed_file


def test_wheel_archive_lists_the_data_files(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert any(n.startswith("nlentry/grammar/") and n.endswith(".lark") for n in names)
    assert {"nlentry/locales/nl.toml", "nlentry/locales/en.toml"} <= names
    # console script declared
    entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert len(entry_points) == 1
    text = zipfile.ZipFile(installed["wheel"]).read(entry_points[0]).decode()
    assert "nlentry = nlentry.cli.main:main" in text
    web = REPO / "nlentry" / "web"  # the web page's files and texts ship too
    shipped = {f"nlentry/web/{p.relative_to(web).as_posix()}" for p in web.rglob("*")
               if p.is_file() and p.suffix in {".html", ".css", ".js", ".svg", ".toml"}}
    assert len(shipped) > 10 and shipped <= names, shipped - names
