"""Declarative registry: every raw file, the parser that reads it, and the dataset metadata.

One :class:`RawSource` per raw file (paths relative to ``config.RAW_DIR``, sha256 as catalogued in
``SOURCES.md``) and one :class:`IndicatorSpec` per indicator in ``indicators.csv``. The build
(:mod:`wigan_deal.data.build`) only walks these tables; nothing about a source is hard-coded
elsewhere. ``role`` says how a file is used:

* ``"parsed"``  - read by ``parser`` into the extract ``extract``;
* ``"check"``   - a copy derived here from an original workbook, used only to cross-check the parse of
  that workbook; it has no public origin, so the build runs without it (the check is then skipped);
* ``"lookup"``  - used for a lookup (e.g. regions, area types), not itself an extract;
* ``"recorded"``- catalogued in provenance but not (yet) used; ``notes`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FINGERTIPS_URL = "https://fingertips.phe.org.uk/search/{id}"
FINGERTIPS_API = (
    "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id?indicator_ids={id}&area_type_id={area_type}"
)
ONS_LE_URL = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/healthandsocialcare/healthandlifeexpectancies/"
    "datasets/lifeexpectancyatbirthandatage65bylocalareasuk"
)
ONS_MYE_URL = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/"
    "datasets/populationestimatesforukenglandandwalesscotlandandnorthernireland"
)
MHCLG_RS_URL = "https://www.gov.uk/government/collections/local-authority-revenue-expenditure-and-financing"
MHCLG_CSP_URL = "https://www.gov.uk/government/collections/final-local-government-finance-settlement-england"
DFE_EYFSP_URL = "https://www.gov.uk/government/collections/statistics-early-years-foundation-stage-profile"
ASCOF_URL = (
    "https://digital.nhs.uk/data-and-information/publications/statistical/adult-social-care-outcomes-framework-ascof"
)
ASCFR_URL = (
    "https://digital.nhs.uk/data-and-information/publications/statistical/adult-social-care-activity-and-finance-report"
)
PSSEX_URL = (
    "https://digital.nhs.uk/data-and-information/publications/statistical/"
    "personal-social-services-expenditure-and-unit-costs"
)
ONS_ELS_URL = "https://explore-local-statistics.beta.ons.gov.uk/"
OFLOG_URL = "https://oflog.data.gov.uk/"

HMT_DEFLATOR_URL = "https://www.gov.uk/government/collections/gdp-deflators-at-market-prices-and-money-gdp"
IOD2019_URL = "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
MHCLG_RA_URL = "https://www.gov.uk/government/collections/local-authority-revenue-expenditure-and-financing"

PHE = "Public Health England (Fingertips)"
OHID = "Office for Health Improvement and Disparities (Fingertips)"


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator series in ``indicators.csv``."""

    name: str
    title: str
    unit: str
    #: value-range family used by the loader's validation: 'years', 'gap', 'percent' or 'rate'
    unit_kind: str
    publisher: str
    fingertips_id: int | None
    table: str
    url: str
    period_type: str
    #: True if a higher value is better; False if lower is better.
    higher_is_better: bool
    notes: str = ""


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec(
        "hle_birth", "Healthy life expectancy at birth", "years", "years", "ONS via PHE/OHID Fingertips",
        90362, "PHOF A01a (0.1i)", FINGERTIPS_URL.format(id=90362), "3-year rolling", True,
        "ONS health state life expectancies; back-series revised between vintages - keep vintages apart.",
    ),
    IndicatorSpec(
        "le_birth", "Life expectancy at birth", "years", "years", "ONS; OHID Fingertips (2026-05 vintage)",
        90366, "ONS 'Life expectancy at birth and at age 65 by local areas, UK'; Fingertips 90366",
        ONS_LE_URL, "3-year rolling", True,
        "Vintage 2019-12 parsed from the original ONS workbook (point estimates, no CIs).",
    ),
    IndicatorSpec(
        "le_65", "Life expectancy at age 65", "years", "years", "ONS", None,
        "ONS 'Life expectancy at birth and at age 65 by local areas, UK'", ONS_LE_URL,
        "3-year rolling", True,
    ),
    IndicatorSpec(
        "le_sii", "Inequality in life expectancy at birth (slope index of inequality)", "years", "gap",
        PHE, 92901, "PHOF A02a (0.2vi)", FINGERTIPS_URL.format(id=92901), "3-year rolling", False,
        "Within-area gap between most and least deprived; a smaller gap is better.",
    ),
    IndicatorSpec(
        "u75_prev_cancer_mortality", "Under 75 mortality rate from cancer considered preventable",
        "directly age-standardised rate per 100,000", "rate", PHE, 40502, "PHOF 4.05ii (2.24i)",
        FINGERTIPS_URL.format(id=40502), "3-year rolling", False,
        "2014 ONS avoidable-mortality definition, 2013 ESP; Persons only.",
    ),
    IndicatorSpec(
        "u75_preventable_mortality", "Under 75 mortality rate from causes considered preventable (2019 definition)",
        "age-standardised rate per 100,000", "rate", OHID, 93721, "PHOF E01 (93721)",
        FINGERTIPS_URL.format(id=93721), "calendar year", False,
        "2019 OECD/ONS definition - not comparable with 40502.",
    ),
    IndicatorSpec(
        "smoking_prevalence", "Smoking prevalence in adults - current smokers (APS)", "percent", "percent",
        "ONS APS via PHE/OHID Fingertips", 92443, "PHOF C18 (2.14)", FINGERTIPS_URL.format(id=92443),
        "calendar year", False, "Annual Population Survey; wide CIs at LA level (not in the raw files).",
    ),
    IndicatorSpec(
        "physical_inactivity", "Percentage of physically inactive adults", "percent", "percent",
        "Sport England Active Lives via PHE/OHID Fingertips", 93015, "PHOF C17b (2.13ii)",
        FINGERTIPS_URL.format(id=93015), "financial year", False,
        "Active Lives survey years run mid-November to mid-November; series starts 2015/16.",
    ),
    IndicatorSpec(
        "school_readiness_gld", "Children achieving a good level of development at the end of Reception (all children)",
        "percent", "percent", "Department for Education", None,
        "EYFSP results by LA (SMAPEY dashboard data, All_Percent_GLD_<year>_LA)", DFE_EYFSP_URL,
        "academic year", True, "DfE year 2018 = academic year 2017/18. Only 2015/16-2017/18 available.",
    ),
    IndicatorSpec(
        "school_readiness_gld_fsm",
        "School readiness: children with free school meal status achieving a good level of development",
        "percent", "percent", PHE, None, "PHOF 1.02i (FSM)", "https://fingertips.phe.org.uk/profile/public-health-outcomes-framework",
        "academic year", True, "FSM-eligible children only; Fingertips indicator id not recorded by the source repo.",
    ),
    IndicatorSpec(
        "ascof_2b1_home_91days",
        "Older people (65+) still at home 91 days after discharge into reablement/rehabilitation (ASCOF 2B(1))",
        "percent", "percent", "NHS Digital ASCOF via LG Inform", None, "ASCOF 2B(1)", ASCOF_URL,
        "financial year", True, "Greater Manchester boroughs only; no England row.",
    ),
    IndicatorSpec(
        "ascof_2a2_res_admissions_65",
        "Long-term support needs of older adults (65+) met by admission to residential and nursing care homes (ASCOF 2A(2))",
        "rate per 100,000 population aged 65+", "rate", "NHS Digital ASCOF via LG Inform", None,
        "ASCOF 2A(2) (LG Inform metric 4282)", ASCOF_URL, "financial year", False,
        "Greater Manchester boroughs only; no England row.",
    ),
)
INDICATOR_SPECS: dict[str, IndicatorSpec] = {s.name: s for s in INDICATORS}


@dataclass(frozen=True)
class RawSource:
    """One raw file and how the build uses it."""

    path: str
    sha256: str
    role: str
    extract: str | None
    parser: str | None
    publisher: str
    title: str
    url: str
    vintage: str
    table: str = ""
    indicator: str | None = None
    fingertips_id: int | None = None
    notes: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: Fingertips area_type_id the file was pulled with (101 = districts & UAs, 102 = counties & UAs).
    api_area_type: int = 102


def _ft(path, sha, indicator, vintage, fid, parser="parse_fingertips_csv", publisher=PHE, notes="", area_type=102,
        **kw):
    spec = INDICATOR_SPECS[indicator]
    return RawSource(
        path=path, sha256=sha, role="parsed", extract="indicators.csv", parser=parser,
        publisher=publisher, title=spec.title, url=FINGERTIPS_URL.format(id=fid) if fid else spec.url,
        vintage=vintage, table=spec.table, indicator=indicator, fingertips_id=fid, notes=notes,
        kwargs={"indicator": indicator, "vintage": vintage, **kw}, api_area_type=area_type,
    )


HLE = "healthy_life_expectancy/"
RS = "asc_spending/"

SOURCES: tuple[RawSource, ...] = (
    # --- healthy life expectancy (90362), five vintages ------------------------------------------
    _ft(HLE + "hle_birth_utla_2009-11_to_2015-17_fingertips_vintage2019-05.csv",
        "20879a080addbb3d3d087b302f4075704a37d29beed1c700983e57ad86a9ffb7", "hle_birth", "2019-05", 90362,
        notes="fingertipsR pull, AreaTypeID 102; contemporaneous with the King's Fund report."),
    _ft(HLE + "hle_birth_utla_2009-11_to_2016-18_fingertips_vintage2020-06.csv",
        "281d776b049a51059f58b6d4aa33db2df800d6af418d673676cb14a84ff9acca", "hle_birth", "2020-06", 90362),
    _ft(HLE + "hle_birth_la_2010-12_to_2018-20_fingertips_vintage2024-07.csv",
        "a031ac563ae2759e0fe85e8bed4e4c5aa1618bcdb61b8380e92ba8b8875566e5", "hle_birth", "2024-07", 90362, area_type=101,
        publisher=OHID, notes="API area_type_id=101; lower-tier districts dropped."),
    _ft(HLE + "hle_birth_la_2011-13_to_2021-23_fingertips_vintage2025-04.csv",
        "84e78c6d381ec92d1b5360b2cab8a25f2a56daabedf2269011ccb21d33854d82", "hle_birth", "2025-04", 90362, area_type=101,
        publisher=OHID, notes="Revised ONS back-series."),
    _ft(HLE + "hle_birth_la_2015-17_to_2022-24_fingertips_vintage2026-05.csv",
        "057186b04560f4f24dd8a96e81a33e656ef42c018b41cc6871491c0100e75b13", "hle_birth", "2026-05", 90362, area_type=101,
        publisher=OHID),
    # --- life expectancy -------------------------------------------------------------------------
    RawSource(
        "life_expectancy/leatbirthandatage65byukla201618.xlsx",
        "3fd194661ee30149801e481447b8036749582e8f550c1b2f31eb948ec3c3b9b4", "parsed", "indicators.csv",
        "parse_ons_le_workbook", "Office for National Statistics",
        "Life expectancy at birth and at age 65 by local areas, UK (2001-03 to 2016-18)", ONS_LE_URL, "2019-12",
        table="leatbirthandatage65byukla201618.xlsx, sheets 'LE at birth/age 65 - Males/Females'",
        indicator="le_birth", notes="Original ONS workbook; yields le_birth and le_65 (values rounded to 4 dp).",
        kwargs={"vintage": "2019-12"},
    ),
    RawSource(
        "life_expectancy/le_birth_and_65_la_2001-03_to_2016-18_ons_release2019-12.csv",
        "de0572e54e84fcb1c9068fc4ad06ed4a02aad0a152deb6f3cfe87b64a567a366", "check", None, None,
        "Office for National Statistics", "Life expectancy at birth and at age 65 by local areas, UK (derived CSV)",
        ONS_LE_URL, "2019-12", notes="Derived tidy copy of the workbook; the build checks the workbook parse equals it.",
    ),
    _ft("life_expectancy/le_birth_la_2015-17_to_2023-25_vintage2026.csv",
        "424e845ecdcc1d9335b597116eaa381ad947c50d1aa563170c52766dcad09261", "le_birth", "2026-05", 90366,
        publisher=OHID, area_type=101),
    _ft("life_expectancy/le_slope_index_inequality_utla_fingertips92901_vintage2019-05.csv",
        "4aca71e031bf4708793e6138434a6d82f5d2f63ec129ad70176410ca042961e5", "le_sii", "2019-05", 92901),
    # --- mortality -------------------------------------------------------------------------------
    _ft("mortality/u75_preventable_cancer_mortality_persons_la_2001-03_to_2015-17_fingertips40502_vintage2019-05.csv",
        "586406480855576b3f275a2cfed6d899659506124fdece429bc8dde9ebd9cfa9", "u75_prev_cancer_mortality",
        "2019-05", 40502, area_type=101),
    _ft("mortality/u75_preventable_mortality_by_sex_la_2010-2022_fingertips93721_vintage2024-04.csv",
        "edc123f93d367fcc2eebd6975036ce9319dcd5b00450c8942617b721aafcced1", "u75_preventable_mortality",
        "2024-04", 93721, area_type=101, publisher=OHID, notes="Sex taken from the 'unit' column (Male/Female/Persons)."),
    # --- smoking and physical inactivity ---------------------------------------------------------
    _ft("smoking_physical_activity/smoking_prevalence_adults_aps_la_2011-2018_fingertips92443_vintage2020-08.csv",
        "fcd1201a701daf2ff0ce4f9673dd34a8bb8dc384ff2cf7c3c275e629ce808da8", "smoking_prevalence", "2020-08", 92443, area_type=101),
    _ft("smoking_physical_activity/smoking_prevalence_adults_aps_la_2011-2024_fingertips92443_vintage2026-04.csv",
        "2db467324fa4fd68f1b73ee5828d7b5d56df55e9177d48ca4281db1a7bc38a98", "smoking_prevalence", "2026-04", 92443, area_type=101,
        publisher=OHID),
    _ft("smoking_physical_activity/physically_inactive_adults_la_2015-16_to_2018-19_fingertips93015_vintage2020-08.csv",
        "a2eb6d714505862aa9e50ecc8a2b199b24cc10647b48cdf6ab040fb9e02a19cc", "physical_inactivity", "2020-08", 93015, area_type=101),
    _ft("smoking_physical_activity/physically_inactive_adults_la_2015-16_to_2024-25_vintage2026-05.csv",
        "b3d50bd727480faee7867af13cc90d57f45f6cd0a5d4e5fe115ad75958144cdd", "physical_inactivity", "2026-05", 93015, area_type=101,
        publisher=OHID),
    # --- school readiness ------------------------------------------------------------------------
    RawSource(
        "school_readiness/dfe_eyfsp_gld_by_la_2016-2018_smapey_dashboard.csv",
        "97dcf3aa0b7716f0685dd0c440dfd3666a06dc9882131862f96353db500b3edd", "parsed", "indicators.csv",
        "parse_dfe_gld", "Department for Education",
        "Early Years Foundation Stage Profile results: % achieving a good level of development, by LA",
        DFE_EYFSP_URL, "2019-07", table="SMAPEY dashboard data, All_Percent_GLD_<year>_LA / _National",
        indicator="school_readiness_gld",
        notes="DfE 3-digit LA numbers mapped to ONS codes by name (see geography.DFE_NAME_ALIASES).",
        kwargs={"vintage": "2019-07"},
    ),
    RawSource(
        "school_readiness/dfe_eyfsp_national_numbers_2017-2018_smapey_dashboard.csv",
        "83e377da68a766a3dd75b2af731b115d7e8b56ea4d960d1196a548b174ddfcc0", "recorded", None, None,
        "Department for Education", "EYFSP national numbers and early-education take-up", DFE_EYFSP_URL, "2019-07",
        notes="National counts only (one row); not needed for any LA series.",
    ),
    _ft("school_readiness/gld_fsm_children_la_2012-13_to_2017-18_fingertips_vintage2019-05.csv",
        "abb96985a1ead8c7180a7f02d5be39d330ac535050e536eed62fe9de3247a649", "school_readiness_gld_fsm",
        "2019-05", None),
    # --- ASCOF (GM only) -------------------------------------------------------------------------
    _ft("care_quality/ascof2b1_still_at_home_91days_gm_2010-11_to_2017-18.csv",
        "5ad4717c93579b54f934e5f498874299ca2c9a532cce218bcce4c59fe4198745", "ascof_2b1_home_91days",
        "2019-08", None, publisher="NHS Digital (ASCOF) via LG Inform"),
    _ft("care_quality/ascof2a2_residential_admissions_65plus_gm_2014-15_to_2018-19.csv",
        "2d1206893684d5b481e4723e4608dfeb0773e07206895366014afbd4f963d44e", "ascof_2a2_res_admissions_65",
        "2020-06", None, publisher="NHS Digital (ASCOF) via LG Inform"),
    # --- adult social care outcomes, all councils (social_care_outcomes.csv) ----------------------
    RawSource(
        "social_care_outcomes/ascof_outcomes_by_council_2018-19_processed_social_care_datahub.csv",
        "51181c1f38cee61ff163a10439293e0b4d42252e535200dd0a42dde2c289c390", "parsed", "social_care_outcomes.csv",
        "parse_ascof_processed", "NHS Digital (ASCOF), processed by social_care_datahub",
        "Measures from the Adult Social Care Outcomes Framework, England 2018-19 (processed open data)", ASCOF_URL,
        "2019-10", table="meas-from-asc-of-eng-1819-open-data-csv-v2.csv, Outcome rows",
        notes="THIRD-PARTY PROCESSED; descriptions mapped to ASCOF codes; derived 65+ values flagged (derived=True).",
    ),
    RawSource(
        "social_care_outcomes/ascof_outcomes_by_council_2019-20_processed_social_care_datahub.csv",
        "71aa5892cc65456166f6ba1804bee660c3023991762339aacf6e11b599efb2cb", "parsed", "social_care_outcomes.csv",
        "parse_ascof_processed", "NHS Digital (ASCOF), processed by social_care_datahub",
        "Measures from the Adult Social Care Outcomes Framework, England 2019-20 (processed open data)", ASCOF_URL,
        "2020-10", table="meas-from-asc-of-eng-1920-open-data-csv.csv, Outcome rows",
        notes="THIRD-PARTY PROCESSED; 2019-20 wording differs from 2018-19 (harmonised by ASCOF code).",
    ),
    RawSource(
        "social_care_outcomes/oflog_asc_measures_by_la_2015-16_to_2022-23.csv",
        "7faa2acd7337d21ed9fe82c57f66878d349e98dbac1e1c8357d1d4cc920d87e9", "parsed", "social_care_outcomes.csv",
        "parse_oflog_asc", "Office for Local Government (DLUHC/MHCLG)",
        "Oflog Local Authority Data Explorer: adult social care measures 2015-16 to 2022-23", OFLOG_URL, "2024-11",
        table="communitiesuk/oflog-automated-text src/lib/ASC_data.csv",
        notes="No England rows; 'ASC Quality of Life' is ASCOF 1J (adjusted), not 1A.",
    ),
    # --- council finance -------------------------------------------------------------------------
    *(
        RawSource(
            RS + fname, sha, "parsed", "finance.csv", "parse_rs_workbook", "DCLG/MHCLG",
            f"Revenue Outturn Summary (RS) {fy}, individual local authority data", MHCLG_RS_URL, vintage,
            table=f"RS LA Data {fy} (1): net current expenditure by service, GBP thousand",
            kwargs={"financial_year": fy},
        )
        for fname, sha, fy, vintage in (
            ("Revenue_Outturn_Summary__RS__data_2010-11_by_LA_-_27-Nov-2012-v2.xls",
             "345f760190fc8b9ac17692af8e01ef713642643466cdd2861f9a97d2bbcaa9e5", "2010-11", "2012-11"),
            ("Revenue_Outturn_Summary__RS__data_2011-12_by_LA_-_Revised_28-Nov-2013.xls",
             "10b7096c6801867a94f1417506a72b86b4bb797aac7360bc9b4f110c03cac441", "2011-12", "2013-11"),
            ("Revenue_Outturn_Summary__RS__data_2012-13_by_LA__Revised__-_18-Feb-2014.xls",
             "a76533c2c7042ddcf0cfe8affedb7d95bb1b43b5076ecb6d19fba154566b27e6", "2012-13", "2014-02"),
            ("Revenue_Outturn_Summary__RS__data_2013-14_by_LA_-_Revised_28-Jan-2015.xls",
             "e97b936f5b4c9ac6d206d0fe7569e64133b5a4a5c24013bf96e5e09816b1dc8f", "2013-14", "2015-01"),
            ("Revenue_Outturn_Summary__RS__data_2014-15_by_LA_-_02-Feb-2016.xls",
             "23bc7b4c709175795ffa89e11a637a925e3d51461e8a14bb198eece09506f3b1", "2014-15", "2016-02"),
            ("RS_2017-18_data_by_LA.xlsx",
             "24225a1e7ecd03ea6e2efd6124722ff7f2fb93f9242ed9d0acbe30e18ddc8f00", "2017-18", "undated"),
        )
    ),
    RawSource(
        RS + "roall.csv", "3a37dbeba1726911e150e50851bd1036e7a52bae850b6d5719655d6e0d45909b", "parsed",
        "finance.csv", "parse_roall", "DCLG/MHCLG (extract by BBC Shared Data Unit)",
        "Revenue Outturn Summary (RS) 2015-16 and 2016-17 (BBC SDU extract)", MHCLG_RS_URL, "2019-01",
        table="roall.csv: year 2016 = RS 2015-16, 2017 = RS 2016-17",
        notes="Third-party extract; no total service expenditure column, so that line is absent for 2015-16/2016-17.",
    ),
    RawSource(
        RS + "revenue_outturn_RS_net_current_expenditure_by_service_LA_2010-11_to_2014-15_and_2017-18_extract.csv",
        "728939ddea522cd3ccf7779649b0a36db3c1e4431165c31f6a064f6c83e2b18c", "check", None, None, "DCLG/MHCLG",
        "Derived RS extract 2010-11..2014-15, 2017-18", MHCLG_RS_URL, "2019-01",
        notes="Derived copy; the build checks the workbook parse equals it for every LA-year-service.",
    ),
    RawSource(
        RS + "ascfr_2016-17_CSV_ASCFR_Totals.csv", "e55eb6a15fb7eee6ec0874c7711a5fbc496ba0419a302e7b3169b7079a3fbbd8",
        "lookup", "areas.csv", None, "NHS Digital", "Adult Social Care Activity and Finance Report 2016-17 (Totals)",
        ASCFR_URL, "2017-10",
        notes="Used only for GEOGRAPHY_CODE -> REGION_GO_CODE and CASSR codes. Expenditure not used: coded keys need "
        "the ASC-FR data dictionary (not available) and rows are overlapping breakdowns.",
    ),
    RawSource(
        RS + "pss-exp-eng-14-15-fin-coun-lev-exp-data.csv",
        "4be98510a7a0b9562c57d6d100be1467c4511b7ab5340b588ad75eb5846b28be", "recorded", None, None,
        "HSCIC/NHS Digital", "Personal Social Services: Expenditure and Unit Costs, England 2014-15", PSSEX_URL,
        "2015-10",
        notes="Not used: a single year (2014-15) of gross expenditure on the new ASC-FR definitions, which break "
        "with PSS-EX1 (2013-14 and earlier); no series can be built from it without the bridging file.",
    ),
    RawSource(
        RS + "core_spending_power_la_2012-2021_SpendingMillions.csv",
        "52c5022de895199ef90cf68808658576f76956876fa3f9eabff8c638ef085a5b", "parsed", "core_spending_power.csv",
        "parse_spending_power", "MHCLG (compiled by CaitHRobinson/councillorsatthecasino)",
        "Local government finance settlement: (core) spending power, GBP million", MHCLG_CSP_URL, "2021-08",
        notes="Definitional break: 2012-2016 columns are 'revenue spending power', 2017-2021 'core spending power' "
        "(Wigan 277.14 -> 218.88). Column year taken as the financial-year END (2016 = 2015/16) by the compiler's "
        "labelling, which is undocumented and unverified.",
    ),
    # --- population ------------------------------------------------------------------------------
    RawSource(
        "population/ukmidyearestimates20192020ladcodes.xls",
        "d14d773c7bc0ac49b3c2d85ae9089b17c7d0858e123064af7d51378f8848e51d", "parsed", "population.csv",
        "parse_mye_workbook", "Office for National Statistics",
        "Population estimates for the UK ... mid-2019 (April 2020 LA codes)", ONS_MYE_URL, "2020-06",
        table="MYE 5 (totals mid-2001..mid-2019); MYE2 - Persons/Males/Females (mid-2019 single years of age)",
        notes="Original ONS workbook; yields population.csv (MYE 5) and population_age_2019.csv (MYE2 summed "
        "to broad ages).",
    ),
    RawSource(
        "population/ons_mye5_population_totals_la_mid2001_to_mid2019.csv",
        "bb1db67e662251a64eebd3e2def0d90ed1f41d94096709d3c2f749d46d74dd63", "check", None, None,
        "Office for National Statistics", "Mid-year population estimates, table MYE5 (derived CSV)",
        ONS_MYE_URL, "2020-06", table="MYE 5",
        notes="Derived long copy of sheet 'MYE 5' of the workbook; the build checks the workbook parse equals it.",
    ),
    RawSource(
        "population/ons_mye2_population_by_broad_age_la_mid2019.csv",
        "82f3d57203488a1234213cb1529a5401d32110308fd1ff2c51206eb553051677", "check", None, None,
        "Office for National Statistics", "Mid-year population estimates mid-2019, table MYE2 broad ages (derived CSV)",
        ONS_MYE_URL, "2020-06", table="MYE2 - Persons/Males/Females",
        notes="Derived broad-age copy of sheets 'MYE2 - ...'; the build checks the workbook parse equals it.",
    ),
    # --- comparators -----------------------------------------------------------------------------
    RawSource(
        "comparators/ons_els_global_neighbours_la.csv",
        "563c3c864dcfe42b7b080cb4d45e58988030492d84643f12e740eae58ce73a18", "parsed", "similar_areas.csv",
        "parse_neighbours", "Office for National Statistics", "Explore local statistics: similar areas (global neighbours)",
        ONS_ELS_URL, "2026-03",
        notes="Modern ONS model, not CIPFA; 2023-era codes (neighbour_code as published; harmonised code added).",
    ),
    RawSource(
        "comparators/ons_els_cluster_allocation_la.csv",
        "4746102f32710d9f3c95ece14c4d1f4f25e5638adee65fc92f7df7c63754a144", "parsed", "area_clusters.csv",
        "parse_clusters", "Office for National Statistics", "Explore local statistics: LA cluster allocation",
        ONS_ELS_URL, "2026-03",
    ),
    # --- deflator and deprivation (issue 8) ------------------------------------------------------
    RawSource(
        "deflators/HMT_GDP_Deflators_Budget_March_2020_update.xlsx",
        "74bb747c56c37fef0e2a04c05546ed4c47da441a2d5e11999fb3713ac4453350", "parsed", "deflator.csv",
        "parse_hmt_deflator", "HM Treasury",
        "GDP deflators at market prices, and money GDP: March 2020 (Budget)", HMT_DEFLATOR_URL, "2020-03",
        table="sheet '11032020 deflator update', financial-year GDP deflator (2018-19 = 100), ONS series L8GG",
        notes="Outturn index levels only (2010-11..2018-19 extracted); 2019-20 onwards are OBR March-2020 forecast "
        "% changes and are never used.",
    ),
    RawSource(
        "deprivation/File_11_-_IoD2019_Local_Authority_District_Summaries__upper-tier__.xlsx",
        "00795561d214c740c64f5d0ed1e8581f1bcc047c497584c0eb6310a03973ff76", "parsed", "deprivation.csv",
        "parse_iod2019", "Ministry of Housing, Communities and Local Government",
        "English indices of deprivation 2019, File 11: local authority district summaries (upper-tier)",
        IOD2019_URL, "2019-09", table="sheet 'IMD' (rank 1 = most deprived)",
        notes="2019 upper-tier geography (151 areas; BCP and Dorset UA, no Bournemouth/Poole/Dorset county); no "
        "England row. Underlying data mostly 2015/16.",
    ),
    # --- Revenue Account (RA) budgets (issue 8) ------------------------------------------------------
    *(
        RawSource(
            "asc_budget/" + f"RA_{fy}_data_by_LA_revenue_account_budget.{ext}", sha, "parsed", "budget.csv",
            "parse_ra_workbook", "DCLG/MHCLG",
            f"Revenue Account (RA) budget {fy}, individual local authority data", MHCLG_RA_URL, release,
            table=f"RA LA Data {fy}{' (1)' if ext == 'xls' else ''}: budgeted net current expenditure by service, "
            "GBP thousand",
            kwargs={"financial_year": fy},
        )
        for fy, ext, sha, release in (
            ("2010-11", "xls", "45bbfaa1bfb3f319fc7e4934a43e42659d9f9dd1937b082d496a846a6ae6f6e9", "2011-06"),
            ("2011-12", "xls", "fca3b8c700f4baf114f53aa39333d968faedaa18f38b39547ea234e408e9d301", "2012-07"),
            ("2012-13", "xls", "1a19c7cdb29781ce01ae7e8ee6691234c981d3b18656287d2c7905f6f34bb932", "2013-07"),
            ("2013-14", "xls", "29d9b0f63a261fb3b2e638e9962a954c45d5a0b49d002573fc5cebc681a4c841", "2013-07"),
            ("2014-15", "xls", "1f465a9030582b6fa057acc3c0837ee8556708aa22d925037448228d4398689b", "2014-10"),
            ("2015-16", "xls", "7c5032136542ded962da74085e365815d838345442e0149d64335149a1b64280", "2015-07"),
            ("2016-17", "xlsx", "91e0f61339bef44fffd81a2f8796b498653ed2faaac5e8d970f8c8fa7237b3e3", "2016-06"),
            ("2017-18", "xlsx", "4ef33862f25f41e0ed72ffb524515a3de488044ca9970fa09d0b7c2553f7bba1", "2017-06"),
            ("2018-19", "xlsx", "1d7c6ec06d41d8f5e985639cd5f190ba1df214cbb39e047a7d1405faac40f608", "2018-06"),
            ("2019-20", "xlsx", "76fb6d934ac8a25a6d2cf3e245f9444634ce4a0e973a54155ebc699f16133454", "2019-06"),
        )
    ),
    RawSource(
        "asc_budget/ra_budget_asc_net_current_expenditure_by_LA_2010-11_to_2019-20_extract.csv",
        "a00aa9d5651be6814c366bc2b3a8fe28d102683b233b2ba570fe832e6962f25a", "check", None, None, "DCLG/MHCLG",
        "Derived RA budget extract 2010-11..2019-20 (made while cataloguing)", MHCLG_RA_URL, "2019-03",
        notes="Derived copy; used only to cross-check the RA workbook parse (every LA and ENGLAND value).",
    ),
)
