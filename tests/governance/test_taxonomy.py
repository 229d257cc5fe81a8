"""Campaign taxonomy core: URL validator, naming convention, builders, CSV batch."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from governance.taxonomy import (
    ChannelRule,
    CsvError,
    NamingConvention,
    NamingToken,
    Taxonomy,
    TaxonomyError,
    build_campaign_name,
    build_url,
    classify_channel,
    fix_campaign_name,
    validate_campaign_name,
    validate_csv,
    validate_url,
    write_results_csv,
)

TAXONOMY = Taxonomy.default()
NAME = "fy26q3_na_email_ebook_launch-guide"
GOOD = f"utm_source=google&utm_medium=cpc&utm_campaign={NAME}"
B = "https://www.example.com/landing"


def tagged(source: str = "google", medium: str = "cpc", campaign: str = NAME) -> str:
    return f"{B}?utm_source={source}&utm_medium={medium}&utm_campaign={campaign}"


# (url, expected set of (param, rule)); an empty set means no finding at all.
URL_CASES: list[tuple[str, set[tuple[str, str]]]] = [
    # valid
    (f"{B}?{GOOD}", set()),
    (f"{B}?{GOOD}&utm_content=hero-banner&utm_term=running+shoes", set()),
    (f"{B}?{GOOD}&utm_term=running%20shoes", set()),
    (f"{B}?ref=abc&{GOOD}&gclid=Cj0KCQ_x-1", set()),
    (f"{B}?foo=&q=a%20b&{GOOD}", set()),
    (f"{B}?{GOOD}#pricing", set()),
    (f"https://app.example.com/?{GOOD}#/page?tab=2", set()),
    (f"https://example.com?{GOOD}", set()),
    (f"https://example.com:8443/a/b.html?{GOOD}", set()),
    (f"HTTPS://WWW.EXAMPLE.COM/Landing?{GOOD}", set()),
    (f"{B}?utm_campaign={NAME}&utm_medium=cpc&utm_source=google", set()),
    (f"{B}?{GOOD}&utm_id=12345", set()),
    (f"{B}?utmost=1&{GOOD}&utm%5Fcontent=a", set()),
    (f"https://example.com/?{GOOD}#/page?utmost=1", set()),
    (tagged("facebook", "paid_social", "fy25q1_emea_social_promo_spring-sale"), set()),
    (tagged("linkedin", "social", "fy26q2_apac_social_brand_ceo-post"), set()),
    (
        tagged("newsletter", "email", "fy26q4_global_email_newsletter_october")
        + "&utm_content=cta-top",
        set(),
    ),
    (tagged("partner", "referral", "fy27q1_latam_partner_demo_acme2"), set()),
    (tagged("x", "display", "fy26q1_na_display_report_state-of-ops"), set()),
    (tagged("event", "event", "fy26q3_emea_event_event_cannes"), set()),
    # synonyms and case
    (tagged("fb"), {("utm_source", "synonym")}),
    (tagged("face_book"), {("utm_source", "synonym")}),
    (tagged("FB"), {("utm_source", "synonym")}),
    (tagged("twitter"), {("utm_source", "synonym")}),
    (tagged(medium="ppc"), {("utm_medium", "synonym")}),
    (tagged("newsletter", "Email"), {("utm_medium", "case")}),
    (tagged("Facebook"), {("utm_source", "case")}),
    (tagged(campaign=NAME.upper()), {("utm_campaign", "case")}),
    # unknown values
    (tagged(medium="emial"), {("utm_medium", "unknown_value")}),
    (tagged("gogle"), {("utm_source", "unknown_value")}),
    (tagged("zzqqvv"), {("utm_source", "unknown_value")}),
    # missing and empty
    (f"{B}?utm_source=google&utm_medium=cpc", {("utm_campaign", "missing")}),
    (f"{B}?utm_medium=cpc&utm_campaign={NAME}", {("utm_source", "missing")}),
    (
        B,
        {("utm_source", "missing"), ("utm_medium", "missing"), ("utm_campaign", "missing")},
    ),
    (tagged(""), {("utm_source", "empty_value")}),
    (tagged(medium="%20"), {("utm_medium", "empty_value")}),
    (f"{B}?{GOOD}&utm_content=", {("utm_content", "empty_value")}),
    # naming convention
    (tagged(campaign="fy26q3_xx_email_ebook_launch-guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="fy26q3__email_ebook_launch-guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="fy26q3_na_email_launch-guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="fy26q3_na_email_ebook_launch_guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="fy26q5_na_email_ebook_launch-guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="fy26_na_email_ebook_launch-guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="2026q3_na_email_ebook_launch-guide"), {("utm_campaign", "naming_token")}),
    (tagged(campaign="fy26q3_na_emial_ebok_launch-guide"), {("utm_campaign", "naming_token")}),
    # encoding and whitespace
    (tagged(campaign="fy26q3_na_email_ebook_launch%20guide"), {("utm_campaign", "encoded_chars")}),
    (
        tagged("google+ads"),
        {("utm_source", "encoded_chars"), ("utm_source", "synonym")},
    ),
    (f"{B}?{GOOD}&utm_content=hero%20banner", {("utm_content", "encoded_chars")}),
    (f"{B}?{GOOD}&utm_content=café", {("utm_content", "encoded_chars")}),
    (tagged(" google"), {("utm_source", "whitespace")}),
    (f"{B}?{GOOD}&utm_term= shoes", {("utm_term", "whitespace")}),
    (f"  {B}?{GOOD} ", {("url", "whitespace")}),
    # parameters
    (f"{B}?{GOOD}&utm_source=bing", {("utm_source", "duplicate_param")}),
    (f"{B}?{GOOD}&utm_source=google", {("utm_source", "duplicate_param")}),
    (
        f"{B}?UTM_SOURCE=google&utm_medium=cpc&utm_campaign={NAME}",
        {("utm_source", "param_name")},
    ),
    (
        f"{B}?utm_souce=google&utm_medium=cpc&utm_campaign={NAME}",
        {("utm_source", "param_name")},
    ),
    (f"{B}?{GOOD}&utm_zzz=1", {("utm_zzz", "param_name")}),
    (
        f"{B}?{GOOD}&utm-campain=x",
        {("utm_campaign", "param_name"), ("utm_campaign", "duplicate_param")},
    ),
    # URL shape
    (f"https://example.com/#/page?{GOOD}", {("url", "fragment_before_query")}),
    (
        f"https://example.com/#/page?tab=2&utm_source=fb&utm_medium=cpc&utm_campaign={NAME}",
        {("url", "fragment_before_query"), ("utm_source", "synonym")},
    ),
    (f"http://www.example.com/landing?{GOOD}", {("url", "not_https")}),
    (f"www.example.com/landing?{GOOD}", {("url", "invalid_url")}),
    (f"ftp://example.com/?{GOOD}", {("url", "invalid_url")}),
    ("javascript:alert(1)", {("url", "invalid_url")}),
    (f"https:///landing?{GOOD}", {("url", "invalid_url")}),
    ("", {("url", "empty_value")}),
    # several at once
    (
        tagged("fb", "Email", "fy26q3_xx_email_ebook_launch-guide"),
        {("utm_source", "synonym"), ("utm_medium", "case"), ("utm_campaign", "naming_token")},
    ),
    (
        "http://example.com/#/p?utm_source=fb&utm_source=google&utm_medium=emial",
        {
            ("url", "not_https"),
            ("url", "fragment_before_query"),
            ("utm_source", "synonym"),
            ("utm_source", "duplicate_param"),
            ("utm_medium", "unknown_value"),
            ("utm_campaign", "missing"),
        },
    ),
]


@pytest.mark.parametrize(("url", "expected"), URL_CASES, ids=[u[:90] for u, _ in URL_CASES])
def test_url_findings_are_exactly_the_expected_ones(url: str, expected: set) -> None:
    result = validate_url(url, TAXONOMY)
    assert {(f.param, f.rule) for f in result.findings} == expected
    assert result.valid == all(f.severity == "warning" for f in result.findings)
    if not expected:
        assert result.fixed_url is None


def test_table_has_at_least_fifty_urls() -> None:
    assert len(URL_CASES) >= 50
    assert sum(1 for _, expected in URL_CASES if not expected) >= 15


@pytest.mark.parametrize(("url", "expected"), URL_CASES, ids=[u[:90] for u, _ in URL_CASES])
def test_fixed_url_leaves_only_findings_without_a_fix(url: str, expected: set) -> None:
    result = validate_url(url, TAXONOMY)
    if result.fixed_url is None:
        return
    again = validate_url(result.fixed_url, TAXONOMY)
    assert all(f.suggestion is None for f in again.findings)
    assert {(f.param, f.rule) for f in again.findings} <= expected


def test_suggestions_name_the_fix() -> None:
    def suggestion(url: str, param: str) -> str | None:
        found = [f for f in validate_url(url, TAXONOMY).findings if f.param == param]
        return found[0].suggestion

    assert suggestion(tagged("fb"), "utm_source") == "facebook"
    assert suggestion(tagged(medium="Email"), "utm_medium") == "email"
    assert suggestion(tagged(medium="emial"), "utm_medium") == "email"
    assert suggestion(tagged("zzqqvv"), "utm_source") is None
    assert suggestion(tagged(campaign="fy26q3_na_email_ebok_x"), "utm_campaign") == "ebook"
    encoded = tagged(campaign="fy26q3_na_email_ebook_launch%20guide")
    assert suggestion(encoded, "utm_campaign") == NAME


def test_fixed_url_applies_every_fix_and_keeps_other_params_and_fragment() -> None:
    url = f"http://example.com/p#/page?tab=2&utm_source=fb&utm_medium=Email&utm_campaign={NAME}"
    result = validate_url(url, TAXONOMY)
    assert result.fixed_url == (
        f"https://example.com/p?utm_source=facebook&utm_medium=email&utm_campaign={NAME}"
        "#/page?tab=2"
    )
    assert [f.suggestion for f in result.findings if f.param == "url"] == [result.fixed_url] * 2


def test_duplicate_keeps_the_first_value() -> None:
    result = validate_url(f"{B}?{GOOD}&utm_source=bing&x=1", TAXONOMY)
    assert result.fixed_url == f"{B}?{GOOD}&x=1"
    assert result.channel == "Paid Search"


def test_http_is_only_a_warning() -> None:
    result = validate_url(f"http://example.com/?{GOOD}", TAXONOMY)
    assert result.valid
    assert result.fixed_url == f"https://example.com/?{GOOD}"


def test_channel_comes_from_fixed_values() -> None:
    assert validate_url(tagged("fb", "paid"), TAXONOMY).channel == "Paid Social"
    assert validate_url(f"{B}?utm_source=google", TAXONOMY).channel is None


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        ("google", "cpc", "Paid Search"),
        ("bing", "ppc", "Paid Search"),
        ("fb", "paid_social", "Paid Social"),
        ("LinkedIn", "Social", "Organic Social"),
        ("linkedin", "paid", "Paid Social"),
        ("newsletter", "email", "Email"),
        ("mkto", "anything", "Email"),
        ("partner", "referral", "Referral"),
        ("x", "display", "Display"),
        ("capterra", "affiliate", "Affiliates"),
        ("google", "organic", "Organic Search"),
        ("partner", "webinar", "Events"),
        ("g2", "cpc", "Paid Other"),
        ("(direct)", "(none)", "Direct"),
        ("somewhere", "something", "Unassigned"),
    ],
)
def test_classify_channel_first_rule_wins(source: str, medium: str, channel: str) -> None:
    assert classify_channel(source, medium, TAXONOMY) == channel


def test_every_canonical_medium_has_a_channel() -> None:
    for medium in TAXONOMY.mediums:
        assert classify_channel("partner", medium, TAXONOMY) != "Unassigned", medium


# ------------------------------------------------------------------ naming convention


def test_default_convention_template() -> None:
    assert TAXONOMY.naming.template == "{fy}{quarter}_{region}_{channel}_{offer}_{name}"


def test_valid_campaign_name_has_no_findings() -> None:
    assert validate_campaign_name(NAME, TAXONOMY) == []
    assert fix_campaign_name(NAME, TAXONOMY) is None


@pytest.mark.parametrize(
    ("name", "message_part", "suggestion"),
    [
        ("fy26q3_xx_email_ebook_launch-guide", "region 'xx' is not allowed", None),
        ("fy26q3_emae_email_ebook_launch-guide", "region 'emae'", "emea"),
        ("fy26q3__email_ebook_launch-guide", "region is missing", None),
        ("fy26_na_email_ebook_launch-guide", "quarter is missing", None),
        ("fy26q9_na_email_ebook_launch-guide", "quarter 'q9' does not match", None),
        ("fy2q3_na_email_ebook_launch-guide", "fy 'fy2q3' does not match", None),
        ("fy26q3_na_email_ebook", "has 4 parts", None),
        ("fy26q3_na_email_ebook_launch_guide", "has 6 parts", None),
        ("fy26q3_na_email_ebook_launch--guide", "name 'launch--guide' does not match", None),
    ],
)
def test_naming_token_findings(name: str, message_part: str, suggestion: str | None) -> None:
    findings = validate_campaign_name(name, TAXONOMY)
    assert [(f.param, f.rule) for f in findings] == [("utm_campaign", "naming_token")]
    assert message_part in findings[0].message
    assert findings[0].suggestion == suggestion


def test_campaign_name_case_whitespace_and_spaces() -> None:
    assert {f.rule for f in validate_campaign_name(NAME.upper(), TAXONOMY)} == {"case"}
    assert {f.rule for f in validate_campaign_name(f" {NAME}\t", TAXONOMY)} == {"whitespace"}
    spaced = "fy26q3_na_email_ebook_launch guide"
    assert {f.rule for f in validate_campaign_name(spaced, TAXONOMY)} == {"encoded_chars"}
    assert fix_campaign_name(spaced, TAXONOMY) == NAME
    assert {f.rule for f in validate_campaign_name("", TAXONOMY)} == {"empty_value"}


def test_fix_campaign_name_applies_token_suggestions() -> None:
    assert fix_campaign_name("FY26Q3_emae_email_ebok_launch-guide", TAXONOMY) == (
        "fy26q3_emea_email_ebook_launch-guide"
    )


def test_build_campaign_name_normalises_and_validates() -> None:
    tokens = {
        "fy": "FY26",
        "quarter": "q3",
        "region": "NA",
        "channel": "email",
        "offer": "Case Study",
        "name": "Launch Guide",
    }
    assert build_campaign_name(tokens, TAXONOMY) == "fy26q3_na_email_case-study_launch-guide"
    tokens["name"] = "launch_guide"  # the delimiter inside a value becomes a dash
    assert build_campaign_name(tokens, TAXONOMY).endswith("_launch-guide")


@pytest.mark.parametrize(
    ("change", "field", "message_part"),
    [
        ({"region": "xx"}, "region", "not allowed"),
        ({"region": "emae"}, "region", "did you mean 'emea'"),
        ({"quarter": ""}, "quarter", "required"),
        ({"fy": "2026"}, "fy", "does not match"),
        ({"colour": "red"}, "colour", "not a token"),
    ],
)
def test_build_campaign_name_rejects_bad_tokens(
    change: dict, field: str, message_part: str
) -> None:
    tokens = {
        "fy": "fy26",
        "quarter": "q3",
        "region": "na",
        "channel": "email",
        "offer": "ebook",
        "name": "x",
        **change,
    }
    with pytest.raises(TaxonomyError) as caught:
        build_campaign_name(tokens, TAXONOMY)
    assert caught.value.field == field
    assert message_part in caught.value.message


def small_taxonomy(naming: NamingConvention) -> Taxonomy:
    return Taxonomy(
        sources={"google": frozenset()},
        mediums={"cpc": frozenset()},
        channel_rules=(ChannelRule("Paid Search", medium_values=frozenset({"cpc"})),),
        naming=naming,
    )


def test_upper_case_convention_with_dash_and_optional_trailing_token() -> None:
    taxonomy = small_taxonomy(
        NamingConvention(
            tokens=(
                NamingToken("region", frozenset({"na", "emea"})),
                NamingToken("name", pattern=r"[A-Z0-9]+"),
                NamingToken("variant", pattern=r"V[0-9]", required=False),
                NamingToken("cell", pattern=r"C[0-9]", required=False),
            ),
            delimiter="-",
            case="upper",
        )
    )
    assert taxonomy.naming.template == "{region}-{name}-[{variant}]-[{cell}]"
    assert validate_campaign_name("NA-SPRING", taxonomy) == []
    assert validate_campaign_name("EMEA-SPRING-V2", taxonomy) == []
    assert [f.rule for f in validate_campaign_name("na-spring", taxonomy)] == ["case"]
    assert [f.rule for f in validate_campaign_name("NA", taxonomy)] == ["naming_token"]
    assert validate_campaign_name("EMEA-SPRING-V2-C1", taxonomy) == []
    assert [f.rule for f in validate_campaign_name("NA-A-V2-C1-X", taxonomy)] == ["naming_token"]
    findings = validate_campaign_name("NA-A-X2", taxonomy)
    assert "variant 'X2' does not match" in findings[0].message
    assert build_campaign_name({"region": "emea", "name": "spring"}, taxonomy) == "EMEA-SPRING"
    with pytest.raises(TaxonomyError, match="positional"):
        build_campaign_name({"region": "na", "name": "a", "cell": "c1"}, taxonomy)


def test_any_case_convention_accepts_either_case() -> None:
    taxonomy = small_taxonomy(
        NamingConvention(tokens=(NamingToken("region", frozenset({"na"})),), case="any")
    )
    assert validate_campaign_name("NA", taxonomy) == []
    assert validate_campaign_name("na", taxonomy) == []


@pytest.mark.parametrize(
    "build",
    [
        lambda: NamingConvention(tokens=()),
        lambda: NamingConvention(tokens=(NamingToken("a", pattern="x"),), delimiter="|"),
        lambda: NamingConvention(tokens=(NamingToken("a", pattern="x", joined=True),)),
        lambda: NamingConvention(
            tokens=(NamingToken("a", pattern="x", required=False), NamingToken("b", pattern="y"))
        ),
        lambda: NamingConvention(tokens=(NamingToken("a", frozenset({"a_b"})),)),
        lambda: NamingToken("a"),
        lambda: NamingToken("a", frozenset({"x"}), pattern="x"),
        lambda: NamingToken("a", pattern="("),
        lambda: NamingToken("Bad Name", pattern="x"),
        lambda: ChannelRule("Paid", source_regex="("),
        lambda: Taxonomy(
            sources={"facebook": frozenset({"fb"}), "fbx": frozenset({"FB"})},
            mediums={},
            channel_rules=(),
            naming=TAXONOMY.naming,
        ),
        lambda: Taxonomy(
            sources={"face book": frozenset()}, mediums={}, channel_rules=(), naming=TAXONOMY.naming
        ),
    ],
)
def test_bad_taxonomy_definitions_are_refused(build) -> None:
    with pytest.raises(ValueError):
        build()


# ------------------------------------------------------------------------------ builder


def test_build_url_preserves_query_and_puts_fragment_last() -> None:
    result = build_url(
        "https://example.com/a b/é?x=1&y=two%20words#section",
        "google",
        "cpc",
        NAME,
        content="hero",
        term="running shoes & socks",
        taxonomy=TAXONOMY,
    )
    assert result.url == (
        "https://example.com/a%20b/%C3%A9?x=1&y=two%20words&utm_source=google&utm_medium=cpc"
        f"&utm_campaign={NAME}&utm_content=hero&utm_term=running%20shoes%20%26%20socks#section"
    )
    assert result.channel == "Paid Search"
    assert result.notes == ()
    query = parse_qs(urlsplit(result.url).query)
    assert query["utm_term"] == ["running shoes & socks"]
    assert validate_url(result.url, TAXONOMY).findings == ()


def test_build_url_moves_spa_fragment_after_query() -> None:
    result = build_url(
        "https://app.example.com/#/page?tab=2", "fb", "paid", NAME, taxonomy=TAXONOMY
    )
    assert result.url == (
        "https://app.example.com/?utm_source=facebook&utm_medium=cpc"
        f"&utm_campaign={NAME}#/page?tab=2"
    )
    assert {(n.param, n.rule) for n in result.notes} == {
        ("utm_source", "synonym"),
        ("utm_medium", "synonym"),
    }
    assert all(n.severity == "warning" for n in result.notes)
    assert result.channel == "Paid Social"


def test_build_url_replaces_existing_utm_params() -> None:
    result = build_url(
        "https://example.com/?utm_source=old&a=1&UTM_MEDIUM=x&utmost=2&utm_sorce=y",
        "bing",
        "cpc",
        NAME,
        taxonomy=TAXONOMY,
    )
    assert result.url.startswith(
        "https://example.com/?a=1&utmost=2&utm_source=bing&utm_medium=cpc&"
    )
    assert {n.rule for n in result.notes} == {"replaced"}


def test_build_url_normalises_case_whitespace_and_content() -> None:
    result = build_url(
        "http://example.com",
        " Google ",
        "CPC",
        NAME.upper(),
        content="Hero Banner!",
        taxonomy=TAXONOMY,
    )
    assert result.url == (
        f"http://example.com?utm_source=google&utm_medium=cpc&utm_campaign={NAME}"
        "&utm_content=Hero-Banner"
    )
    rules = {(n.param, n.rule) for n in result.notes}
    assert ("url", "not_https") in rules
    assert ("utm_content", "encoded_chars") in rules
    assert ("utm_campaign", "case") in rules


@pytest.mark.parametrize(
    ("kwargs", "field", "message_part"),
    [
        ({"base_url": "ftp://example.com/"}, "base_url", "http"),
        ({"base_url": "javascript:alert(1)"}, "base_url", "http"),
        ({"base_url": "example.com/page"}, "base_url", "https://example.com/page"),
        ({"base_url": "   "}, "base_url", "empty"),
        ({"base_url": "https:///x"}, "base_url", "no host"),
        ({"source": "gogle"}, "source", "did you mean 'google'"),
        ({"medium": "emial"}, "medium", "did you mean 'email'"),
        ({"medium": ""}, "medium", "empty"),
        ({"campaign": "fy26q3_xx_email_ebook_x"}, "campaign", "region 'xx'"),
        ({"campaign": "spring sale"}, "campaign", "special characters"),
        ({"content": "!!!"}, "content", "no usable"),
    ],
)
def test_build_url_rejects_bad_input(kwargs: dict, field: str, message_part: str) -> None:
    arguments = {"base_url": B, "source": "google", "medium": "cpc", "campaign": NAME, **kwargs}
    with pytest.raises(TaxonomyError) as caught:
        build_url(**arguments, taxonomy=TAXONOMY)
    assert caught.value.field == field
    assert message_part in caught.value.message


slug = st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)
base_urls = st.builds(
    lambda host, path, query, fragment: f"https://{host}.example{path}{query}{fragment}",
    slug,
    st.text(alphabet="abcXYZ019-_./ %é", max_size=20).map(lambda p: "/" + p),
    st.lists(st.tuples(slug.filter(lambda k: not k.startswith("utm")), slug), max_size=3).map(
        lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""
    ),
    st.one_of(st.just(""), slug.map(lambda f: "#" + f), slug.map(lambda f: f"#/{f}?tab=1")),
)
campaign_tokens = st.fixed_dictionaries(
    {
        "fy": st.from_regex(r"fy[0-9]{2}", fullmatch=True),
        "quarter": st.sampled_from(["q1", "q2", "q3", "q4"]),
        "region": st.sampled_from(sorted(TAXONOMY.naming.tokens[2].allowed_values)),
        "channel": st.sampled_from(sorted(TAXONOMY.naming.tokens[3].allowed_values)),
        "offer": st.sampled_from(sorted(TAXONOMY.naming.tokens[4].allowed_values)),
        "name": st.from_regex(r"[a-z0-9]+(?:-[a-z0-9]+)*", fullmatch=True),
    }
)
known_sources = sorted({*TAXONOMY.sources, *(s for syn in TAXONOMY.sources.values() for s in syn)})
known_mediums = sorted({*TAXONOMY.mediums, *(m for syn in TAXONOMY.mediums.values() for m in syn)})


@settings(max_examples=300, deadline=None)
@given(
    base=base_urls,
    source=st.sampled_from(known_sources),
    medium=st.sampled_from(known_mediums),
    tokens=campaign_tokens,
    content=st.one_of(st.none(), st.text(max_size=15)),
    term=st.one_of(st.none(), st.text(max_size=15)),
)
def test_any_build_from_allowed_values_validates_clean(
    base: str, source: str, medium: str, tokens: dict, content: str | None, term: str | None
) -> None:
    assume(content is None or any(c.isascii() and c.isalnum() for c in content))
    campaign = build_campaign_name(tokens, TAXONOMY)
    result = build_url(base, source, medium, campaign, content, term, taxonomy=TAXONOMY)
    check = validate_url(result.url, TAXONOMY)
    assert check.findings == ()
    assert check.channel == result.channel == classify_channel(source, medium, TAXONOMY)
    query = parse_qs(urlsplit(result.url).query, keep_blank_values=True)
    assert query["utm_source"] == [result.source]
    assert query["utm_medium"] == [result.medium]
    assert query["utm_campaign"] == [campaign]
    if term is not None and term.strip():
        assert query["utm_term"] == [term.strip()]


url_pieces = st.sampled_from(
    [
        *"htps:/?#&=%+_ .xyzUTM",
        "https://x.com/",
        "http://",
        "utm_source=",
        "utm_medium=",
        "utm_campaign=",
        "utm_souce=",
        "fb",
        "Email",
        "%20",
        "#/",
        "fy26q3_",
        "na_email",
        NAME,
    ]
)


@settings(max_examples=500, deadline=None)
@given(url=st.one_of(st.text(max_size=80), st.lists(url_pieces, max_size=25).map("".join)))
def test_validate_url_never_raises_and_its_fix_is_final(url: str) -> None:
    result = validate_url(url, TAXONOMY)
    if result.fixed_url is not None:
        again = validate_url(result.fixed_url, TAXONOMY)
        assert again.fixed_url is None
        assert all(f.suggestion is None for f in again.findings)
        before = {(f.param, f.rule) for f in result.findings}
        assert {(f.param, f.rule) for f in again.findings} <= before


# ---------------------------------------------------------------------------------- CSV


def run_csv(data: bytes, **limits: int) -> list:
    return list(validate_csv(io.BytesIO(data), TAXONOMY, **limits))


def test_csv_rows_carry_line_findings_and_fixes() -> None:
    data = f"id,url\n1,{B}?{GOOD}\n\n2,{tagged('fb')}\n".encode()
    rows = run_csv(data)
    assert [(r.line, r.valid) for r in rows] == [(2, True), (4, False)]
    assert rows[1].fixed == tagged("facebook")
    assert rows[1].channel == "Paid Social"


def test_csv_accepts_utf8_bom_and_semicolons() -> None:
    data = b"\xef\xbb\xbfURL;owner\r\n" + f"{B}?{GOOD};ana\r\n".encode()
    rows = run_csv(data)
    assert len(rows) == 1 and rows[0].valid


def test_csv_latin1_bytes_name_the_line() -> None:
    data = (
        f"url,owner\n{B}?{GOOD},ana\n".encode()
        + f"{B}?{GOOD},".encode()
        + "José\n".encode("latin-1")
    )
    rows = validate_csv(io.BytesIO(data), TAXONOMY)
    with pytest.raises(CsvError) as caught:
        list(rows)
    assert caught.value.line == 3
    assert caught.value.column == len(f"{B}?{GOOD},Jos") + 1
    assert "UTF-8" in str(caught.value) and "line 3" in str(caught.value)


def test_csv_latin1_header_fails_at_once() -> None:
    with pytest.raises(CsvError, match="UTF-8") as caught:
        validate_csv(io.BytesIO("url,créé\n".encode("latin-1")), TAXONOMY)
    assert caught.value.line == 1


def test_csv_missing_column() -> None:
    with pytest.raises(CsvError, match="no 'url' column") as caught:
        validate_csv(io.BytesIO(b"link,owner\nhttps://x.com,ana\n"), TAXONOMY)
    assert caught.value.line == 1


def test_csv_of_campaign_names() -> None:
    data = f"Campaign\n{NAME}\nFY26Q3_xx_email_ebook_x\n".encode()
    rows = run_csv(data)
    assert [r.column for r in rows] == ["campaign", "campaign"]
    assert rows[0].findings == () and rows[0].fixed is None
    assert {f.rule for f in rows[1].findings} == {"case", "naming_token"}
    assert rows[1].fixed == "fy26q3_xx_email_ebook_x"


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"])
def test_csv_empty_file(data: bytes) -> None:
    with pytest.raises(CsvError, match="empty"):
        validate_csv(io.BytesIO(data), TAXONOMY)


def test_csv_header_only() -> None:
    with pytest.raises(CsvError, match="no rows"):
        run_csv(b"url\n")


def test_csv_ragged_row() -> None:
    with pytest.raises(CsvError, match="3 fields but the header has 2") as caught:
        run_csv(f"url,owner\n{B},a\n{B},a,b\n".encode())
    assert caught.value.line == 3


def test_csv_single_column_keeps_unquoted_commas() -> None:
    rows = run_csv(f"url\n{B}?{GOOD}&x=1,2\n".encode())
    assert rows[0].value == f"{B}?{GOOD}&x=1,2"
    assert rows[0].findings == ()


def test_csv_quoted_newline_keeps_line_numbers() -> None:
    rows = run_csv(f'note,url\n"two\nlines",{B}?{GOOD}\nx,{tagged("fb")}\n'.encode())
    assert [r.line for r in rows] == [2, 4]


def test_csv_row_limit() -> None:
    data = ("url\n" + f"{B}?{GOOD}\n" * 4).encode()
    assert len(run_csv(data, max_rows=4)) == 4
    with pytest.raises(CsvError, match="more than 3 rows") as caught:
        run_csv(data, max_rows=3)
    assert caught.value.line == 5


class CountingStream(io.RawIOBase):
    """A large stream that records how much was read from it."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        line = self.inner.readline(size)
        self.read_bytes += len(line)
        return line


@pytest.mark.parametrize(
    "data",
    [
        ("url\n" + f"{B}?{GOOD}\n" * 200_000).encode(),  # ~20 MB of rows
        b"url\n" + b"x" * 20_000_000,  # one enormous line
    ],
)
def test_csv_size_limit_is_enforced_while_streaming(data: bytes) -> None:
    stream = CountingStream(data)
    with pytest.raises(CsvError, match="larger than") as caught:
        list(validate_csv(stream, TAXONOMY, max_bytes=10_000))  # type: ignore[arg-type]
    assert stream.read_bytes <= 10_001
    assert caught.value.line is not None


def test_csv_exactly_at_size_limit_is_fine() -> None:
    data = f"url\n{B}?{GOOD}\n".encode()
    assert len(run_csv(data, max_bytes=len(data))) == 1


def test_write_results_escapes_formulas_and_reports_fixes() -> None:
    evil = ['=HYPERLINK("http://evil")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"]
    lines = [f"{B}?{GOOD}", tagged("fb"), *evil]
    source = io.StringIO()
    csv.writer(source).writerows([["url"], *([line] for line in lines)])
    data = source.getvalue().encode()
    out = io.StringIO()
    assert write_results_csv(validate_csv(io.BytesIO(data), TAXONOMY), out) == len(lines)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0] == [
        "line",
        "url",
        "valid",
        "channel",
        "findings",
        "suggestions",
        "fixed_url",
    ]
    assert table[1][1:] == [f"{B}?{GOOD}", "yes", "Paid Search", "", "", ""]
    assert table[2][2:4] == ["no", "Paid Social"]
    assert "synonym" in table[2][4] and table[2][5] == "utm_source: facebook"
    assert table[2][6] == tagged("facebook")
    for row, value in zip(table[3:], evil, strict=True):
        assert row[1] == "'" + value
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r"


def test_write_results_for_campaign_names() -> None:
    out = io.StringIO()
    write_results_csv(validate_csv(io.BytesIO(b"campaign\n-cmd\n"), TAXONOMY), out)
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0][1] == "campaign" and table[0][-1] == "fixed_campaign"
    assert table[1][1] == "'-cmd"


def test_a_pattern_token_is_explained_by_an_example_not_its_regex() -> None:
    """Issue #19: people were shown `[a-z0-9]+(?:-[a-z0-9]+)*` as the hint."""
    findings = validate_campaign_name("fy26q3_na_email_ebook_launch--guide", TAXONOMY)
    message = findings[0].message
    assert "write it like 'spring-launch'" in message and "[a-z0-9]" not in message
    with pytest.raises(ValueError, match="example 'FY26' does not fit"):
        NamingToken("fy", pattern=r"fy[0-9]{2}", example="FY26")
