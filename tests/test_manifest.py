"""The manifest: a journal line per finished job, merged at the end; a killed run's journal is replayed."""

import json

from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest


def _entry(job, status="executed"):
    return {"job": job, "key": job, "status": status, "parameters": {}, "hashes": {}}


def test_each_job_appends_one_line_and_save_merges(tmp_path):
    layout = Layout(tmp_path)
    manifest = Manifest(layout)
    for n in range(5):
        manifest.record(_entry(f"2019/eenheid/c{n}"))
        assert len(layout.journal.read_text().splitlines()) == n + 1  # appended, never rewritten
        assert not layout.manifest.exists()
    manifest.save()
    assert not layout.journal.exists()
    assert sorted(json.loads(layout.manifest.read_text())["jobs"]) == [f"2019/eenheid/c{n}" for n in range(5)]


def test_a_killed_runs_journal_is_replayed_without_its_torn_last_line(tmp_path):
    layout = Layout(tmp_path)
    first = Manifest(layout)
    first.record(_entry("2019/eenheid/a"))
    first.save()
    second = Manifest(layout)
    second.record(_entry("2019/eenheid/a", "failed"))
    second.record(_entry("2019/eenheid/b"))
    with open(layout.journal, "a") as journal:
        journal.write('{"job": "2019/eenheid/c", "sta')  # SIGKILL mid-write
    replayed = Manifest(layout).entries
    assert {job: e["status"] for job, e in replayed.items()} == {"2019/eenheid/a": "failed", "2019/eenheid/b": "executed"}
