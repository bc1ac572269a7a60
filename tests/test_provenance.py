"""The provenance footer describes the jobs that rendered the report, as the manifest recorded them."""

from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest
from jaarverslag.publish.provenance import Provenance


def _manifest(tmp_path, entries):
    manifest = Manifest(Layout(tmp_path))
    for job, (data, library, finished) in entries.items():
        manifest.entries[job] = {"job": job, "hashes": {"data": data, "library": library}, "finished": finished,
                                 "version": "0.1.0", "commit": "abc1234"}
    return manifest


def test_footer_names_the_recorded_versions_and_render_date(tmp_path):
    manifest = _manifest(tmp_path, {
        "2019/eenheid/cter": ("d" * 64, "1" * 64, "2026-11-28T10:00:00+00:00"),
        "2019/eenheid/cybercrime": ("d" * 64, "1" * 64, "2026-11-28T11:00:00+00:00"),
    })
    text = Provenance.of(manifest, 2019, "eenheid", ["cter", "cybercrime"]).text("data")
    assert text == (f"Herkomst: gegevensversie `{'d' * 12}` (inhoud van data), code jaarverslag 0.1.0 (commit `abc1234`, "
                    f"bibliotheek `{'1' * 12}`), gemaakt op 28 november 2026.")


def test_footer_says_so_when_chapters_were_rendered_from_different_versions(tmp_path):
    manifest = _manifest(tmp_path, {
        "2019/eenheid/cter": ("d" * 64, "1" * 64, "2026-11-27T10:00:00+00:00"),
        "2019/eenheid/cybercrime": ("e" * 64, "2" * 64, "2026-11-28T11:00:00+00:00"),
    })
    provenance = Provenance.of(manifest, 2019, "eenheid", ["cter", "cybercrime"])
    text = provenance.text("data")
    assert provenance.mixed
    assert f"`{'d' * 12}`, `{'e' * 12}`" in text and f"`{'1' * 12}`, `{'2' * 12}`" in text
    assert "gemaakt op 27 november 2026 tot 28 november 2026" in text
    assert "niet allemaal met dezelfde gegevens- en codeversie" in text
