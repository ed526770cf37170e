"""The ``longscope`` command: declared in pyproject.toml, installed by the README's set-up
commands (which CI runs verbatim), its subcommands and help, the older ``python -m`` commands."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_console_script_and_readme_commands():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"longscope": "cli.main:main"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(pip install .*?)\n```", readme)
    assert len(commands) == 2 and all("&& pip install --no-deps -e . &&" in c for c in commands)
    test_command = next(c for c in commands if c.endswith("python -m pytest"))
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("argv, expect", [
    ([], "{ingest,probe,worker}"),
    (["probe"], "{niah,heads,trace}"),
    (["probe", "niah"], "--lengths"),
    (["probe", "heads"], "--mask-k"),
    (["probe", "trace"], "method parameters"),
    (["ingest"], "PATH"),
    (["worker"], "--heartbeat"),
])
def test_help(argv, expect, capsys):
    from cli.main import main

    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0 and expect in capsys.readouterr().out


def test_unknown_subcommand_is_a_usage_error(capsys):
    from cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["probe", "sideways"])
    assert done.value.code == 2 and "invalid choice: 'sideways'" in capsys.readouterr().err


def test_ingest_stores_a_fixture(tmp_path, capsys):
    from cli.main import main
    from storage.db import open_store
    from storage.runs import list_runs

    # the gkamradt aggregated list names no model: --model gives it
    fixture = ROOT / "tests/importers/fixtures/niah_aggregated/OpenAI_Original_Results/OpenAI_OriginalResults.json"
    db = tmp_path / "s.duckdb"
    rc = main(["ingest", str(fixture), "--db", str(db), "--model", "gpt-4-128k"])
    out = capsys.readouterr().out
    assert rc == 0 and "1 file(s) ingested" in out
    assert list_runs(open_store(db))["model"].tolist() == ["gpt-4-128k"]


@pytest.mark.parametrize("module, flag", [("analysis.probes.niah_sweep", "--needle"),
                                          ("analysis.probes.retrieval_heads", "--mask-draws"),
                                          ("analysis.probes.traceback", "--permutations"),
                                          ("storage.ingest", "--model"),
                                          ("jobs.worker", "--heartbeat")])
def test_older_commands_keep_their_flags(module, flag):
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and f"python -m {module}" in done.stdout and flag in done.stdout


def test_probe_commands_say_the_store_is_busy_and_compute_nothing(tmp_path, tiny_model_dir):
    """While another process holds the embedded store (the app), a probe exits 2 with the ingest
    command's message before loading or computing anything: no traceback, no lost result."""
    import subprocess
    import sys
    from pathlib import Path

    from storage.db import open_store

    db = tmp_path / "held.duckdb"
    held = open_store(db)
    try:
        root = Path(__file__).resolve().parents[2]
        for argv in (["probe", "niah", "--model", str(tiny_model_dir), "--device", "cpu", "--lengths", "300",
                      "--depths", "50", "--db", str(db)],
                     ["probe", "heads", "--model", str(tiny_model_dir), "--device", "cpu", "--lengths", "300",
                      "--depths", "50", "--db", str(db)]):
            proc = subprocess.run([sys.executable, "-m", "cli.main", *argv], capture_output=True, text=True, cwd=root,
                                  env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"}, timeout=300)
            assert proc.returncode == 2, proc.stderr[-800:]
            assert "database is busy" in proc.stderr and "Traceback" not in proc.stderr
    finally:
        held.close()
