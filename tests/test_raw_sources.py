"""data/raw_sources.yml: every raw file's public origin, generated from and checked against SOURCES.md."""

import pytest

from wigan_deal import config
from wigan_deal.data.origins import check_registry, load_registry, parse_sources_md, sources_md_path
from wigan_deal.data.sources import SOURCES

SAMPLE = """# Raw data sources

## folder/copied file.csv

- Repository: someone/some-repo
- Commit: 0123456789abcdef0123456789abcdef01234567 (2020-01-01; unchanged at HEAD)
- Path in repo: data/copied file.csv (also elsewhere, not compared)
- Size: 120 bytes
- sha256: {a}

## folder/derived.csv

- Repository: (derived here from someone/some-repo copied file.csv above)
- Commit: 0123456789abcdef0123456789abcdef01234567
- Path in repo: (derived)
- Size: 50 bytes
- sha256: {b}

## asc_budget/RA_2010-11_data_by_LA_revenue_account_budget.xls ... RA_2016-17_data_by_LA_revenue_account_budget.xlsx (2 workbooks)

- Repository: majazaloznik/2019-rac-parking (raw inputs)
- Commit: a37258853eb94d8f13e242ba4c541c2d8ac9e1ff (HEAD, 2020-01-09).
- Sizes / sha256:
  - RA_2010-11_data_by_LA_revenue_account_budget.xls: 2359296 bytes, {c} (2010-11 Budget)
  - RA_2016-17_data_by_LA_revenue_account_budget.xlsx: 784991 bytes, {d} (30 Jun 2016 release)
""".format(a="a" * 64, b="b" * 64, c="c" * 64, d="d" * 64)


RULES = ({"match": "folder/*", "publisher": "Some publisher", "page": "https://publisher.example/page",
          "file": "https://publisher.example/file.csv"},
         {"match": "asc_budget/*", "publisher": "MHCLG", "page": "https://www.gov.uk/x"})


def test_parse_sources_md_gives_urls_derived_files_and_multi_file_sections():
    recs = {r["file"]: r for r in parse_sources_md(SAMPLE, RULES)}
    assert sorted(recs) == ["asc_budget/RA_2010-11_data_by_LA_revenue_account_budget.xls",
                            "asc_budget/RA_2016-17_data_by_LA_revenue_account_budget.xlsx",
                            "folder/copied file.csv", "folder/derived.csv"]
    copied = recs["folder/copied file.csv"]
    assert copied["url"] == ("https://raw.githubusercontent.com/someone/some-repo/"
                             "0123456789abcdef0123456789abcdef01234567/data/copied%20file.csv")
    assert copied["size"] == 120 and copied["sha256"] == "a" * 64
    derived = recs["folder/derived.csv"]
    assert "url" not in derived and derived["derived_from"].startswith("someone/some-repo")
    assert "no public origin" in derived["note"]
    ra = recs["asc_budget/RA_2016-17_data_by_LA_revenue_account_budget.xlsx"]
    assert ra["path"] == "data/01-raw/orig.eng-16-17-budget.xlsx" and ra["sha256"] == "d" * 64
    assert ra["size"] == 784991
    assert copied["publisher_url"] == "https://publisher.example/file.csv" and "publisher_url" not in ra


def test_parse_sources_md_refuses_an_entry_without_checksum():
    with pytest.raises(ValueError, match="no valid sha256"):
        parse_sources_md(SAMPLE.replace("- sha256: " + "a" * 64, "- sha256: unknown"), RULES)


@pytest.mark.skipif(not sources_md_path().exists(), reason="SOURCES.md only exists in ../shared/data/raw")
def test_committed_registry_agrees_with_sources_md():
    assert check_registry() == []


def test_every_file_the_build_reads_has_a_public_origin_with_the_same_checksum():
    registry = load_registry()
    for source in SOURCES:
        record = registry[source.path]
        assert record["sha256"] == source.sha256, source.path
        if source.role == "check":  # derived cross-check copies: optional, never downloaded
            assert "url" not in record and record["derived_from"], source.path
        else:
            assert record["url"].startswith("https://raw.githubusercontent.com/"), source.path
            assert len(record["commit"]) == 40 and record["url"].count(record["commit"]) == 1
    derived = sorted(f for f, r in registry.items() if "url" not in r)
    assert len(derived) == 5 and all(registry[f]["note"].startswith("derived here") for f in derived)


def test_raw_download_folder_is_git_ignored():
    ignored = (config.PROJECT_ROOT / ".gitignore").read_text().splitlines()
    rel = config.RAW_DOWNLOAD_DIR.relative_to(config.PROJECT_ROOT)
    assert "data/raw/" in ignored and rel.parts[:2] == ("data", "raw")


def test_every_raw_file_names_its_publisher_and_landing_page():
    registry = load_registry()
    for file, record in registry.items():
        assert record["publisher"] and record["publisher_page"].startswith("https://"), file
        assert record.get("publisher_url", "https://").startswith("https://"), file
    fingertips = [r for r in registry.values() if "fingertips" in r["publisher_page"]]
    assert fingertips and all("indicator_ids=" in r.get("publisher_url", "indicator_ids=") for r in fingertips)
    hle = registry["healthy_life_expectancy/hle_birth_utla_2009-11_to_2015-17_fingertips_vintage2019-05.csv"]
    assert hle["publisher_url"].endswith("indicator_ids=90362&area_type_id=102")


def test_a_raw_file_without_a_publisher_rule_is_an_error():
    from wigan_deal.data.errors import RawDataError
    from wigan_deal.data.origins import publisher_of

    rules = ({"match": "known/*", "publisher": "P", "page": "https://p.example"},)
    assert publisher_of("known/x.csv", rules) == {"publisher": "P", "publisher_page": "https://p.example"}
    with pytest.raises(RawDataError, match="no rule for raw file 'new/y.csv'"):
        publisher_of("new/y.csv", rules)
