"""docs/claims.md and the assumptions log quote the claims register through generated blocks that cannot drift."""

from __future__ import annotations

import pytest

from wigan_deal.claims import VERDICTS
from wigan_deal.claims import docs as claim_docs
from wigan_deal.report import readme


def _blocks():
    return {name: path for path in readme.DOC_FILES
            for name in readme.blocks_in(path.read_text(encoding="utf-8"))}


def test_every_doc_block_is_in_a_doc_file():
    assert set(_blocks()) == set(readme.DOC_BLOCKS)


@pytest.mark.parametrize("name", sorted(readme.DOC_BLOCKS))
def test_doc_block_matches_the_register(name):
    path = _blocks()[name]
    body = readme.blocks_in(path.read_text(encoding="utf-8"))[name]
    assert body == readme.render_block(name), f"{path.name}: block {name!r} drifted; run `python -m wigan_deal.readme`"


def test_stale_text_is_gone():
    """A9 used to say 'cash' and 'no GDP deflator'; A16 'rule unchanged'; docs/claims.md 'four verdicts'."""
    log = (readme.DOC_FILES[1]).read_text(encoding="utf-8")
    a9 = next(line for line in log.splitlines() if line.startswith("| A9 |"))
    assert "no GDP deflator" not in log and "in cash" not in a9 and "rule unchanged" not in log
    claims_md = readme.DOC_FILES[0].read_text(encoding="utf-8")
    assert "four verdicts" not in claims_md and "Cash only (no GDP deflator" not in claims_md
    assert all(f"`{v}`" in claim_docs.verdicts_block() for v in VERDICTS)


def test_amendments_block_lists_every_amendment_with_what_was_seen():
    text = claim_docs.amendments_block()
    assert text.count("**premature_mortality, amended") == 2 and "**school_readiness, amended 2026-12-06**" in text
    assert "*Written after seeing:* Wigan's verdicts under both earlier rules" in text
    assert "*Rule before this amendment:* supported: Not attainable with these data (the CVD half is untestable and" in text


def test_check_covers_the_docs(tmp_path, monkeypatch, capsys):
    """``--check`` reads the doc files as well as README.md. Which files it reads is the question here, so every
    block "renders" as README.md holds it (the blocks' contents are checked by test_readme.py and the doc-block test
    above, from their generators) and the doc block as ``fresh``: only a stale doc file can fail the check."""
    held = readme.blocks_in(readme.README_FILE.read_text(encoding="utf-8"))
    monkeypatch.setattr(readme, "render_block", lambda name: held.get(name, "fresh\n"))
    doc = tmp_path / "claims.md"
    doc.write_text("<!-- generated:claims-verdicts -->\nfresh\n<!-- /generated:claims-verdicts -->\n")
    monkeypatch.setattr(readme, "DOC_FILES", (doc,))
    assert readme.main(["--check"]) == 0
    doc.write_text("<!-- generated:claims-verdicts -->\nold\n<!-- /generated:claims-verdicts -->\n")
    assert readme.main(["--check"]) == 1
    assert "claims.md: claims-verdicts" in capsys.readouterr().err
