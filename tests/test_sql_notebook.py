"""The notebook recipe of docs/sql.md (`%sql` cells through jupysql on a read-only connection) works as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import analysis

DOCS = Path(__file__).resolve().parents[1] / "docs" / "sql.md"

RUNNER = r"""
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
frames, seen = [], None
for cell in json.loads(sys.stdin.read()):
    result = shell.run_cell(cell)
    if not result.success:
        print(json.dumps({"failed": cell, "error": repr(result.error_in_exec or result.error_before_exec)}))
        sys.exit(1)
    frame = shell.user_ns.get("frame")
    if frame is not None and frame is not seen:  # each DataFrame the cells produce, in order
        frames.append({"columns": list(frame.columns), "rows": json.loads(frame.to_json(orient="values"))})
        seen = frame
cell = shell.run_cell("%sql SELECT count(*) AS n FROM headlines").result
print(json.dumps({"frames": frames, "cell_rows": [list(r) for r in cell]}))
"""


def last_json(stdout: str) -> dict:
    return json.loads([line for line in stdout.splitlines() if line.startswith("{")][-1])


def notebook_cells() -> list[str]:
    section = DOCS.read_text(encoding="utf-8").split("## Notebooks", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_documented_jupysql_cells_run_against_the_database(sample_db_path):
    cells = notebook_cells()
    assert len(cells) == 4 and "%sql con --alias presswatch" in cells[0] and "read_only=True" in cells[0]
    env = {**os.environ, "PRESSWATCH_DB": str(sample_db_path)}
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        langs = dict(con.execute("SELECT lang, count(*) FROM article_overview GROUP BY lang").fetchall())
        n_opinion = con.execute("SELECT count(*) FROM articles WHERE outlet = 'L''opinion'").fetchall()[0][0]
        n_headlines = con.execute("SELECT count(*) FROM headlines").fetchall()[0][0]
    finally:
        con.close()
    done = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(cells), env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result = last_json(done.stdout)
    by_lang, by_outlet = result["frames"]
    assert by_lang["columns"] == ["lang", "n"] and dict(by_lang["rows"]) == langs
    assert by_outlet["columns"][:3] == ["article_id", "published_date", "outlet"]
    assert len(by_outlet["rows"]) == n_opinion > 0 and {r[2] for r in by_outlet["rows"]} == {"L'opinion"}
    assert result["cell_rows"] == [[n_headlines]]
