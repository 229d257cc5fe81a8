import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from releases.qa.emailcheck import check_email_html, extract_links
from releases.qa.preflight import GMAIL_CLIP_BYTES, Finding, Link, check_links, check_tracking

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def position(html: str, needle: str) -> str:
    """The 1-based line:col where `needle` starts in `html`."""
    offset = html.index(needle)
    line = html.count("\n", 0, offset) + 1
    return f"{line}:{offset - (html.rfind(chr(10), 0, offset) + 1) + 1}"


def checks(findings: list[Finding]) -> list[str]:
    return [finding.check for finding in findings]


# --- e-mail HTML --------------------------------------------------------------------------


def test_good_email_has_no_findings() -> None:
    assert check_email_html(fixture("good.html")) == []


def test_good_email_links_carry_valid_tracking() -> None:
    assert check_tracking(link.url for link in extract_links(fixture("good.html"))) == []


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("no_unsubscribe.html", "email.unsubscribe"),
        ("img_without_alt.html", "email.img_alt"),
        ("unbalanced_merge_tag.html", "email.merge_tags"),
        ("insecure_link.html", "email.insecure_link"),
        ("no_preheader.html", "email.preheader"),
    ],
)
def test_each_planted_fault_is_the_only_finding(name: str, check: str) -> None:
    assert checks(check_email_html(fixture(name))) == [check]


def test_oversized_email_reports_its_size_against_gmail_clipping() -> None:
    good = fixture("good.html")
    row = "<tr><td><p>Product update: faster sync, fewer duplicates, cleaner data.</p></td></tr>\n"
    padding = row * (GMAIL_CLIP_BYTES // len(row) + 1)
    html = good.replace("  </table>\n</body>", padding + "  </table>\n</body>")
    size = len(html.encode("utf-8"))

    [finding] = check_email_html(html)

    assert (finding.check, finding.severity) == ("email.size", "fail")
    assert f"{size:,} bytes" in finding.message


def test_size_counts_utf8_bytes_not_characters() -> None:
    html = fixture("good.html").replace("Agenda</h2>", "Agenda " + "é" * 600 + "</h2>")
    chars = len(html)

    assert checks(check_email_html(html, size_limit_bytes=chars)) == ["email.size"]


def test_missing_unsubscribe_is_a_failure() -> None:
    [finding] = check_email_html(fixture("no_unsubscribe.html"))
    assert finding.severity == "fail"


@pytest.mark.parametrize(
    "footer",
    [
        '<a href="https://example.com/unsubscribe?id=1">Leave</a>',
        '<a href="https://example.com/p?id=1">Unsubscribe from these e-mails</a>',
        '<a href="*|UNSUB|*">Opt out</a>',
        '<a href="%%unsub_center_url%%">Opt out</a>',
        '<a href="{{ system.unsubscribeLink }}">Opt out</a>',
    ],
)
def test_unsubscribe_is_found_by_href_text_or_merge_tag(footer: str) -> None:
    html = fixture("no_unsubscribe.html").replace("Springfield.", f"Springfield. {footer}")
    assert check_email_html(html) == []


def test_img_without_alt_is_reported_with_src_and_position() -> None:
    html = fixture("img_without_alt.html")

    [finding] = check_email_html(html)

    assert finding.severity == "fail"
    assert "https://cdn.example.com/email/hero.jpg" in finding.message
    assert finding.where == position(html, '<img src="https://cdn.example.com/email/hero.jpg"')


def test_every_img_without_alt_is_reported() -> None:
    html = '<img src="a.png">\n<p>x</p>\n<img src="b.png" alt="B">\n<img src="c.png"/>'
    alt = [f for f in check_email_html(html) if f.check == "email.img_alt"]
    assert [(f.where, f.severity) for f in alt] == [("1:1", "fail"), ("4:1", "fail")]


def test_empty_alt_only_warns_because_spacers_need_it() -> None:
    html = fixture("good.html").replace("</h1>", '</h1><img src="spacer.gif" alt="">')
    [finding] = check_email_html(html)
    assert (finding.check, finding.severity) == ("email.img_alt", "warn")


def test_unclosed_merge_tag_reports_position_and_fragment() -> None:
    html = fixture("unbalanced_merge_tag.html")

    [finding] = check_email_html(html)

    assert finding.where == position(html, "{{first_name,")
    assert "{{first_name," in finding.message


@pytest.mark.parametrize(
    ("snippet", "where", "fragment"),
    [
        ("<p>Hi first_name}}, welcome</p>", "1:17", "'}}'"),
        ("<p>Hi {{first_name</p>\n<p>{{last_name}}</p>", "1:7", "{{first_name"),
        ("<p>{{a}}</p>\n<p>{{b {{c}}</p>", "2:4", "{{b"),
        ("<p>Hi %%first_name, welcome</p>", "1:7", "%%first_name"),
        ("<p>Hi %%first_name</p><p>%%last_name%%</p>", "1:7", "%%first_name"),
    ],
)
def test_unbalanced_merge_tags_are_located(snippet: str, where: str, fragment: str) -> None:
    merge = [f for f in check_email_html(snippet) if f.check == "email.merge_tags"]
    assert merge
    assert merge[0].where == where
    assert fragment in merge[0].message


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>Hi {{{first_name}}}, {{#if vip}}welcome back{{/if}}</p>",
        "<p>Hi %%First Name%%, your rep is %%=v(@rep)=%%</p>",
        "%%[\n  set @rep = AttributeValue('rep')\n]%%<p>%%=v(@rep)=%%</p>",
        "<style>@media (max-width: 600px) { .a { width: 100% }}</style><p>{{x}}</p>",
    ],
)
def test_balanced_merge_tags_and_css_braces_pass(snippet: str) -> None:
    assert "email.merge_tags" not in checks(check_email_html(snippet))


def test_every_insecure_href_and_src_is_reported() -> None:
    html = fixture("insecure_link.html")
    html = html.replace(
        'src="https://cdn.example.com/email/hero.jpg"',
        'src="http://cdn.example.com/email/hero.jpg"',
    )

    found = [f for f in check_email_html(html) if f.check == "email.insecure_link"]

    assert [f.where for f in found] == [
        position(html, '<img src="http://cdn.example.com'),
        position(html, '<a href="http://www.example.com'),
    ]
    assert all("http://" in f.message for f in found)


def test_xml_namespace_is_not_an_insecure_link() -> None:
    assert 'xmlns="http://www.w3.org/1999/xhtml"' in fixture("good.html")
    assert "email.insecure_link" not in checks(check_email_html(fixture("good.html")))


def test_missing_preheader_only_warns() -> None:
    [finding] = check_email_html(fixture("no_preheader.html"))
    assert finding.severity == "warn"


def test_first_body_text_hidden_with_display_none_counts_as_preheader() -> None:
    html = fixture("no_preheader.html").replace(
        "<body>", '<body>\n<span style="display: none !important">Seats are limited</span>'
    )
    assert check_email_html(html) == []


def test_hidden_text_after_visible_text_is_not_a_preheader() -> None:
    html = fixture("no_preheader.html").replace(
        "</body>", '<span style="display:none">Seats are limited</span></body>'
    )
    assert checks(check_email_html(html)) == ["email.preheader"]


def test_empty_preheader_element_does_not_count() -> None:
    html = fixture("no_preheader.html").replace(
        "<body>", '<body><div class="preheader">&zwnj;&nbsp;&zwnj;</div>'
    )
    assert checks(check_email_html(html)) == ["email.preheader"]


def test_findings_are_json_serialisable() -> None:
    findings = check_email_html(fixture("img_without_alt.html"))
    data = json.loads(json.dumps([f.as_dict() for f in findings]))
    assert data[0]["check"] == "email.img_alt"
    assert set(data[0]) == {"check", "severity", "message", "where"}


# --- links in the HTML ----------------------------------------------------------------------


def test_extract_links_skips_mailto_tel_anchors_and_merge_tag_hrefs() -> None:
    html = fixture("good.html")

    links = extract_links(html)

    assert [link.text for link in links] == ["Example Corp", "Save my seat", "Manage preferences"]
    assert all(link.url.startswith("https://www.example.com/") for link in links)
    assert links[1].line == int(
        position(html, '<a href="https://www.example.com/webinars').split(":")[0]
    )


def test_extract_links_unescapes_entities_and_reads_area_hrefs() -> None:
    html = (
        '<a href="https://x.test/?a=1&amp;b=2">\n  One\n  link </a>\n'
        '<map><area href="https://x.test/map" alt="Region"></map>\n'
        '<a href="https://x.test/p?e={{email}}">Prefilled</a>'
    )
    assert extract_links(html) == [
        Link("https://x.test/?a=1&b=2", 1, "One link"),
        Link("https://x.test/map", 4, "Region"),
        Link("https://x.test/p?e={{email}}", 5, "Prefilled"),
    ]


# --- tracking -----------------------------------------------------------------------------

GOOD_URL = "https://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring_2025"


def test_complete_lower_case_utm_passes() -> None:
    assert check_tracking([GOOD_URL]) == []


def test_each_missing_or_empty_utm_parameter_is_reported() -> None:
    findings = check_tracking(["https://example.com/?utm_source=newsletter&utm_campaign="])
    assert [(f.check, f.message) for f in findings] == [
        ("tracking.missing_param", "utm_medium is missing"),
        ("tracking.missing_param", "utm_campaign is empty"),
    ]
    assert findings[0].where == "https://example.com/?utm_source=newsletter&utm_campaign="


def test_upper_case_value_is_one_case_finding_not_also_not_allowed() -> None:
    url = GOOD_URL.replace("utm_medium=email", "utm_medium=Email")
    [finding] = check_tracking([url])
    assert finding.check == "tracking.case"
    assert "utm_medium=email" in finding.message


def test_upper_case_parameter_name_is_a_case_finding() -> None:
    url = GOOD_URL.replace("utm_source=", "UTM_Source=")
    assert checks(check_tracking([url])) == ["tracking.case"]


@pytest.mark.parametrize(
    "change",
    [
        ("utm_medium=email", "utm_medium=newsletter"),
        ("utm_source=newsletter", "utm_source=news+letter"),
    ],
)
def test_values_outside_the_built_in_rules_are_not_allowed(change: tuple[str, str]) -> None:
    assert checks(check_tracking([GOOD_URL.replace(*change)])) == ["tracking.not_allowed"]


def test_custom_rule_replaces_the_built_in_set() -> None:
    seen: list[str] = []

    def taxonomy(url: str) -> list[Finding]:
        seen.append(url)
        return [Finding("tracking.not_allowed", "fail", "campaign name breaks convention", url)]

    no_utm = "https://example.com/"
    findings = check_tracking([no_utm], rule=taxonomy)

    assert seen == [no_utm]
    assert checks(findings) == ["tracking.not_allowed"]


# --- link checking against a local server ----------------------------------------------------


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the hanging endpoint writes to a socket the client gave up on


@pytest.fixture
def site() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A local HTTP server; yields its base URL and the (method, path) requests it got."""
    seen: list[tuple[str, str]] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.answer(body=False)

        def do_GET(self) -> None:
            self.answer(body=True)

        def answer(self, *, body: bool) -> None:
            seen.append((self.command, self.path))
            port = self.server.server_address[1]
            if self.path == "/ok":
                self.reply(200, body)
            elif self.path == "/moved":
                self.reply(301, body, location="/ok")
            elif self.path == "/moved-twice":
                self.reply(302, body, location="/moved")
            elif self.path == "/loop":
                self.reply(302, body, location="/loop")
            elif self.path == "/to-loopback-ip":
                self.reply(301, body, location=f"http://127.0.0.1:{port}/ok")
            elif self.path == "/no-head":
                self.reply(405 if self.command == "HEAD" else 200, body)
            elif self.path == "/hang":
                release.wait(5)
                self.reply(200, body)
            elif self.path == "/dribble":
                self.send_response(200)
                for _ in range(50):  # each byte well within the socket timeout
                    if release.wait(0.1):
                        return
                    self.wfile.write(b"X")
                    self.wfile.flush()
            else:
                self.reply(404, body)

        def reply(self, status: int, body: bool, location: str | None = None) -> None:
            content = b"ok\n"
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if body:
                self.wfile.write(content)

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


LOCAL = ["127.0.0.1"]


def test_link_answering_200_is_ok(site: tuple[str, list[tuple[str, str]]]) -> None:
    base, seen = site
    [result] = check_links([f"{base}/ok"], allow=LOCAL)
    assert (result.ok, result.status, result.redirects, result.error) == (True, 200, [], None)
    assert result.findings() == []
    assert seen == [("HEAD", "/ok")]


def test_redirect_hops_are_listed_and_warned(site: tuple[str, list[tuple[str, str]]]) -> None:
    base, _ = site
    [result] = check_links([f"{base}/moved-twice"], allow=LOCAL)
    assert result.ok
    assert result.redirects == [(302, f"{base}/moved"), (301, f"{base}/ok")]
    assert result.final_url == f"{base}/ok"
    assert [(f.check, f.severity) for f in result.findings()] == [("links.redirect", "warn")]


def test_404_is_broken_after_trying_get(site: tuple[str, list[tuple[str, str]]]) -> None:
    base, seen = site
    [result] = check_links([f"{base}/missing"], allow=LOCAL)
    assert (result.ok, result.status, result.error) == (False, 404, "HTTP 404")
    assert seen == [("HEAD", "/missing"), ("GET", "/missing")]
    assert checks(result.findings()) == ["links.broken"]


def test_head_405_falls_back_to_get(site: tuple[str, list[tuple[str, str]]]) -> None:
    base, seen = site
    [result] = check_links([f"{base}/no-head"], allow=LOCAL)
    assert (result.ok, result.status) == (True, 200)
    assert seen == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_hanging_endpoint_is_reported_as_timeout(site: tuple[str, list[tuple[str, str]]]) -> None:
    base, _ = site
    [result] = check_links([f"{base}/hang"], timeout=0.5, allow=LOCAL)
    assert (result.ok, result.failure, result.error) == (False, "timeout", "timeout after 0.5s")
    assert 400 <= result.elapsed_ms < 2000
    assert checks(result.findings()) == ["links.timeout"]


def test_server_dribbling_its_headers_is_cut_off_at_the_timeout(
    site: tuple[str, list[tuple[str, str]]],
) -> None:
    base, _ = site
    [result] = check_links([f"{base}/dribble"], timeout=0.5, allow=LOCAL)
    assert (result.failure, result.error) == ("timeout", "timeout after 0.5s")
    assert result.elapsed_ms < 1500


def test_redirect_loop_stops_at_max_redirects(site: tuple[str, list[tuple[str, str]]]) -> None:
    base, _ = site
    [result] = check_links([f"{base}/loop"], max_redirects=3, allow=LOCAL)
    assert (result.ok, result.error) == (False, "more than 3 redirects")
    assert len(result.redirects) == 4


def test_loopback_is_refused_without_allow_list_and_never_contacted(
    site: tuple[str, list[tuple[str, str]]],
) -> None:
    base, seen = site
    [result] = check_links([f"{base}/ok"])
    assert (result.ok, result.failure) == (False, "refused")
    assert "loopback" in (result.error or "")
    assert checks(result.findings()) == ["links.refused"]
    assert seen == []


def test_redirect_to_a_private_address_is_refused_even_from_an_allowed_host(
    site: tuple[str, list[tuple[str, str]]],
) -> None:
    base, seen = site
    start = base.replace("127.0.0.1", "localhost")
    [result] = check_links([f"{start}/to-loopback-ip"], allow=["localhost"])
    assert (result.ok, result.failure) == (False, "refused")
    assert result.redirects == [(301, f"{base}/ok")]
    assert (result.error or "").startswith(f"redirect to {base}/ok refused")
    assert seen == [("HEAD", "/to-loopback-ip")]


def test_non_http_link_is_refused() -> None:
    [result] = check_links(["ftp://127.0.0.1/file"], allow=LOCAL)
    assert result.failure == "refused"


def test_results_follow_input_order_and_run_concurrently(
    site: tuple[str, list[tuple[str, str]]],
) -> None:
    base, _ = site
    urls = [f"{base}/hang", f"{base}/ok", f"{base}/hang", f"{base}/missing", f"{base}/hang"]

    results = check_links(urls, timeout=0.5, allow=LOCAL, concurrency=4)

    assert [r.url for r in results] == urls
    assert [r.failure for r in results] == ["timeout", None, "timeout", "broken", "timeout"]
    assert max(r.elapsed_ms for r in results) < 1500  # the hangs ran side by side
    assert json.loads(json.dumps(results[3].as_dict()))["status"] == 404


def test_no_urls_means_no_results() -> None:
    assert check_links([]) == []


def test_connection_goes_only_to_addresses_the_guard_approved(
    site: tuple[str, list[tuple[str, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is public when checked, loopback when connecting."""
    base, seen = site
    port = int(base.rsplit(":", 1)[1])
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["8.8.8.8", "127.0.0.1"])

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            return real_getaddrinfo(next(answers), *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    [result] = check_links([f"http://rebind.test:{port}/ok"])

    assert (result.ok, result.failure) == (False, "refused")
    assert seen == []
