"""README sentences that quote results are generated (wigan_deal.report.readme) and must not drift."""

import pytest

from wigan_deal.report import readme


def test_every_registered_block_is_in_the_readme():
    present = readme.blocks_in(readme.README_FILE.read_text(encoding="utf-8"))
    assert set(readme.BLOCKS) == set(present), "README markers and readme.BLOCKS disagree"


@pytest.mark.parametrize("name", sorted(readme.BLOCKS))
def test_readme_block_matches_its_generator(name):
    body = readme.blocks_in(readme.README_FILE.read_text(encoding="utf-8"))[name]
    assert body == readme.render_block(name), (
        f"README block {name!r} has drifted from its results; run `python -m wigan_deal.readme`."
    )


def test_render_rewrites_only_block_bodies(monkeypatch):
    _demo(monkeypatch)
    text = "intro\n<!-- generated:demo -->\nstale 1.0\n<!-- /generated:demo -->\nouter 2.0\n"
    new = readme.render(text, ["demo"])
    assert new == "intro\n<!-- generated:demo -->\nfresh 3.5\n<!-- /generated:demo -->\nouter 2.0\n"


def _demo(monkeypatch):
    monkeypatch.setitem(readme.BLOCKS, "demo", lambda: "fresh 3.5")


def test_drift_is_detected(tmp_path, monkeypatch):
    _demo(monkeypatch)
    path = tmp_path / "README.md"
    path.write_text("<!-- generated:demo -->\nstale\n<!-- /generated:demo -->\n")
    assert readme.drifted(path) == ["demo"]
    assert readme.main(["--check", "--readme", str(path)]) == 1
    assert readme.main(["--readme", str(path)]) == 0
    assert readme.drifted(path) == []


def test_unknown_and_missing_blocks_are_clear_errors():
    with pytest.raises(readme.ReadmeError, match="no generator"):
        readme.render_block("no-such-block")
    with pytest.raises(readme.ReadmeError, match="no markers"):
        readme.render("no blocks here\n", ["version"])


def test_every_claim_of_the_register_is_in_the_readme():
    """A new claim appears in the README claims table under its wording without an edit to readme_tables."""
    from wigan_deal.claims import load_register
    from wigan_deal.report import readme_tables

    text = readme.README_FILE.read_text(encoding="utf-8")
    named = dict(readme_tables.UNAMENDED_README_ROWS)
    for claim in load_register():
        if claim.id not in readme_tables.OWN_README_BLOCKS:
            assert f"| {named.get(claim.id, claim.wording)} |" in text, claim.id
