"""The `presswatch` command as a whole: documented commands, where --db goes, one-line errors."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import duckdb
import pytest
from click.testing import CliRunner

from analysis.cli import cli

ROOT = Path(__file__).resolve().parents[1]
PRESSWATCH = [sys.executable, "-m", "analysis"]


def leaf_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()):
    """(path, command) of every command that runs something, e.g. (("stories", "top"), …)."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def cli_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## CLI\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=" ".join)
def test_every_command_is_in_the_readme_cli_table(path):
    rows = [line for line in cli_table().splitlines() if line.startswith("| `presswatch ")]
    first = [row.split("`")[1].split()[1] for row in rows]  # presswatch <name> …
    assert path[0] in first or any(f"/ `{path[0]}`" in row for row in rows), path
    if len(path) > 1:
        row = next(r for r in rows if r.split("`")[1].split()[1] == path[0])
        named = re.split(r"\\\||\s", row.split("`")[1])
        assert path[1] in named, f"{' '.join(path)} missing from the README row {row!r}"


@pytest.mark.parametrize("path, command", list(all_commands()), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help(path, command):
    assert (command.help or "").strip(), " ".join(path)
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"


@pytest.mark.parametrize("path, command", list(leaf_commands()), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_database_command_takes_db_after_its_name(path, command):
    if path[0] == "eval":
        return  # measures files against gold data, opens no database
    assert "--db" in {opt for p in command.params for opt in p.opts}, " ".join(path)


def test_db_before_and_after_the_command_name(tmp_path, sample_copy):
    page = next(sample_copy.rglob("*.txt"))
    before, after = tmp_path / "before.duckdb", tmp_path / "after.duckdb"
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", str(before), "load", "--no-progress", "--workers", "1", str(page)])
    second = runner.invoke(cli, ["load", "--db", str(after), "--timeout", "5", "--no-progress", "--workers", "1",
                                 str(page)])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert before.exists() and after.exists()
    for db in (before, after):
        info = runner.invoke(cli, ["info", "--db", str(db)])
        assert info.exit_code == 0 and "articles" in info.output, info.output
    # the option after the name wins over the one before it
    assert runner.invoke(cli, ["--db", str(tmp_path / "nowhere.duckdb"), "info", "--db", str(before)]).exit_code == 0
    # PRESSWATCH_DB still works, and --db after the name still overrides it
    result = runner.invoke(cli, ["sql", "--db", str(after), "SELECT count(*) AS n FROM documents", "--format", "jsonl"],
                           env={"PRESSWATCH_DB": str(tmp_path / "nowhere.duckdb")})
    assert result.exit_code == 0 and '"n": 1' in result.output, result.output


def test_info_on_the_loaded_sample(sample_db_path):
    import analysis

    con = analysis.connect(sample_db_path, read_only=True)
    try:
        n_articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        langs = [r[0] for r in con.execute("SELECT DISTINCT lang FROM articles WHERE lang IS NOT NULL").fetchall()]
    finally:
        con.close()
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "info"])
    assert result.exit_code == 0, result.output
    sections = [line for line in result.output.splitlines() if line in ("documents", "articles", "headlines", "loads")]
    assert sections == ["documents", "articles", "headlines", "loads"]
    articles = result.output.split("\narticles\n")[1].split("\nheadlines\n")[0]
    counts = [int(n) for n in re.findall(r"^\s*\S+\s+(\d+)\s", articles, flags=re.M)]
    assert sum(counts) == n_articles and n_articles > 0
    assert all(lang in articles for lang in langs)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_missing_database_opened_read_only_is_one_line(tmp_path):
    missing = tmp_path / "missing.duckdb"
    for command in (["info"], ["sql", "SELECT 1"], ["stories", "top"], ["export", "--out", str(tmp_path / "x")]):
        line = one_line_error(subprocess.run([*PRESSWATCH, "--db", str(missing), *command], capture_output=True,
                                             text=True, timeout=120))
        assert "no database at" in line and "presswatch load" in line
    assert not missing.exists()


def not_databases(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    lite = tmp_path / "old.sqlite"
    with sqlite3.connect(lite) as con:
        con.execute("CREATE TABLE t (x)")
    return {"folder": folder, "text": text, "sqlite": lite}


@pytest.mark.parametrize("command", [["info"], ["load", "PAGE"], ["enrich"], ["report", "--latest"]], ids=lambda c: c[0])
def test_db_that_is_not_a_database_is_one_line(tmp_path, command):
    page = ROOT / "data" / "sample" / "inputs"
    for kind, path in not_databases(tmp_path).items():
        before = path.read_bytes() if path.is_file() else None
        args = [str(page) if a == "PAGE" else a for a in command]
        result = subprocess.run([*PRESSWATCH, "--db", str(path), *args, "--out", str(tmp_path / "r")]
                                if command[0] == "report" else [*PRESSWATCH, "--db", str(path), *args],
                                capture_output=True, text=True, timeout=120)
        line = one_line_error(result)
        assert str(path) in line, (kind, line)
        if before is not None:
            assert path.read_bytes() == before, kind


def test_importing_the_cli_loads_no_pandas_or_matplotlib():
    code = "import sys, analysis.cli; print(' '.join(m for m in ('pandas', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_only_the_cli_package_imports_click():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "analysis").rglob("*.py")
                 if "cli" not in p.relative_to(ROOT / "analysis").parts[:1]
                 and re.search(r"^\s*(import click|from click\b)", p.read_text(encoding="utf-8"), flags=re.M)]
    assert offenders == []


def test_flags_are_checked_by_the_cli_and_named(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.duckdb"), "load", "--batch-size", "0", "x.txt"])
    assert result.exit_code == 2 and "--batch-size" in result.output
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.duckdb"), "enrich", "--stage", "nope"])
    assert result.exit_code == 2 and "--stage" in result.output and "stories" in result.output
    assert not (tmp_path / "x.duckdb").exists()


def test_a_library_bug_keeps_its_traceback(monkeypatch, sample_db_path):
    import analysis.info

    def broken(con):
        raise ValueError("a bug, not a user error")

    monkeypatch.setattr(analysis.info, "database_summary", broken)
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "info"])
    assert result.exit_code == 1 and isinstance(result.exception, ValueError)


def test_load_exclude_skips_matching_files(tmp_path, sample_copy):
    pages = sorted(sample_copy.rglob("*.txt"))[:3]
    folder = tmp_path / "in"
    (folder / "drafts").mkdir(parents=True)
    for i, page in enumerate(pages):
        target = folder / ("drafts" if i == 0 else "") / page.name
        target.write_bytes(page.read_bytes())
    db = tmp_path / "x.duckdb"
    result = CliRunner().invoke(cli, ["load", "--db", str(db), "--no-progress", "--workers", "1",
                                      "--exclude", "drafts/*", str(folder)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    paths = [Path(p).name for (p,) in con.execute("SELECT path FROM documents").fetchall()]
    con.close()
    assert sorted(paths) == sorted(p.name for p in pages[1:])


def test_busy_notice_comes_at_the_first_wait_and_then_every_two_seconds(capsys):
    from analysis.cli.common import busy_notices

    notice = busy_notices()
    for elapsed in (0.37, 0.9, 1.8, 2.4, 2.5, 4.5):
        notice(elapsed)
    said = capsys.readouterr().err.splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in said] == ["0s", "2s", "4s"]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"),
                                   duckdb.IOException('Could not write file "x.wal": No space left on device')],
                         ids=["oserror", "duckdb"])
def test_a_full_disk_is_one_sentence(monkeypatch, tmp_path, sample_copy, error):
    import analysis.ingest

    def full(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(analysis.ingest, "load", full)
    page = next(sample_copy.rglob("*.txt"))
    result = CliRunner().invoke(cli, ["load", "--db", str(tmp_path / "x.duckdb"), "--no-progress", str(page)])
    assert result.exit_code == 2 and "disk is full" in result.output and "Traceback" not in result.output
