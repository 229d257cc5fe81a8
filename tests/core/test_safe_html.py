"""No `|safe`, `mark_safe` or unescaped HTML on user data (issue 12, finding 2).

Every place that switches Django's escaping off — `|safe`/`|safeseq` and `{% autoescape off %}`
in templates, `mark_safe`/`SafeString(...)`/`format_html` without arguments and filters
registered `is_safe=True` in code — is listed here and must be in the reviewed allow-list
below, with the reason it cannot carry user text unescaped. A new one fails this test until
someone reviews it; an entry that no longer matches anything fails it too, so the list stays
short and true.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("mops", "catalog", "governance", "intake", "releases", "metrics", "templates")
SKIP_PARTS = {"migrations", "static", "__pycache__"}

# (path, the stripped source line) -> why it is safe.
REVIEWED: dict[tuple[str, str], str] = {
    (
        "mops/core/richtext.py",
        "return mark_safe(cleaned)",
    ): "The one sanitiser: nh3 with a short allow-list (no hx-*, on*, style, data-*, forms).",
    (
        "metrics/dashboard.py",
        "svg=mark_safe(",
    ): "Charts from metrics/charts.py, pure functions that html.escape every label, title and value.",
    (
        "metrics/dashboard.py",
        "svg=mark_safe(svg),",
    ): "Same: an SVG string built by metrics/charts.py, every text escaped there.",
    (
        "metrics/dashboard.py",
        'return mark_safe(line_chart(title=title, labels=labels, series=series, unit="%", y_max=100))',
    ): "Same: the percentage charts, built by metrics/charts.py, which escapes every text.",
    (
        "metrics/dashboard.py",
        'svg=mark_safe(line_chart(title="Requests per period", labels=labels, series=series)),',
    ): "Same: metrics/charts.py escapes the labels and series names.",
    (
        "intake/templates/intake/review_email.txt",
        '{% autoescape off %}Weekly backlog review ({{ review.since|date:"D d M" }} – '
        '{{ review.now|date:"D d M Y" }})',
    ): "A text/plain e-mail body (outbox e-mails carry no HTML part): entities would show.",
    (
        "metrics/templates/metrics/impact/review_email.txt",
        '{% autoescape off %}Monthly impact review — {{ month|date:"F Y" }}',
    ): "Same: the monthly impact review is a text/plain e-mail body.",
    (
        "governance/enablement/selectors.py",
        "return mark_safe(html)  # noqa: S308 - escaped above; only our own <mark> tags added",
    ): "ts_headline text is html-escaped first; only sentinel characters become <mark>.",
    (
        "governance/enablement/views/livedocs.py",
        '"svg": mark_safe(found.svg()),  # noqa: S308',
    ): "Lifecycle diagrams from enablement/statediagram.render_svg, which escapes every label.",
    (
        "governance/stack/views/flows.py",
        '"svg": mark_safe(selectors.integration_map_svg(drawing)),  # noqa: S308',
    ): "The integration map from stack/maplayout.render_svg: every user text html.escape'd.",
}

TEMPLATE_PATTERNS = {
    "|safe": re.compile(r"\|\s*safe(?:seq)?\b"),
    "autoescape off": re.compile(r"{%\s*autoescape\s+off\s*%}"),
}
UNSAFE_CALLS = {"mark_safe", "SafeString", "SafeText", "format_html"}


def _files(suffixes: tuple[str, ...]) -> list[Path]:
    found = []
    for top in CODE_DIRS:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in suffixes and not SKIP_PARTS & set(path.parts):
                found.append(path)
    return sorted(found)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _python_findings(path: Path) -> list[tuple[str, str]]:
    source = path.read_text()
    lines = source.splitlines()
    findings = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name not in UNSAFE_CALLS:
                continue
            # format_html with arguments escapes them: only the argument-less form is unsafe.
            if name == "format_html" and (len(node.args) > 1 or node.keywords):
                continue
            findings.append((name, lines[node.lineno - 1].strip()))
        elif isinstance(node, ast.keyword) and node.arg in {"is_safe", "needs_autoescape"}:
            if isinstance(node.value, ast.Constant) and node.value.value is True:
                findings.append((node.arg, lines[node.value.lineno - 1].strip()))
    return findings


def _template_findings(path: Path) -> list[tuple[str, str]]:
    findings = []
    for line in path.read_text().splitlines():
        for name, pattern in TEMPLATE_PATTERNS.items():
            if pattern.search(line):
                findings.append((name, line.strip()))
    return findings


def _all_findings() -> list[tuple[str, str, str]]:
    found = []
    for path in _files((".py",)):
        rel = str(path.relative_to(ROOT))
        found += [(rel, kind, line) for kind, line in _python_findings(path)]
    for path in _files((".html", ".txt", ".xml", ".svg")):
        rel = str(path.relative_to(ROOT))
        found += [(rel, kind, line) for kind, line in _template_findings(path)]
    return found


def test_every_escape_hatch_is_reviewed():
    unreviewed = [
        f"{path}: {kind}: {line}"
        for path, kind, line in _all_findings()
        if (path, line) not in REVIEWED
    ]
    assert unreviewed == [], "Review these (escape or use mops.core.richtext):\n" + "\n".join(
        unreviewed
    )


def test_the_reviewed_list_has_no_stale_entries():
    seen = {(path, line) for path, _, line in _all_findings()}
    assert [key for key in REVIEWED if key not in seen] == []


def test_the_scanner_finds_each_kind_of_escape_hatch(tmp_path):
    code = tmp_path / "x.py"
    code.write_text(
        "from django.utils.html import format_html\n"
        "a = mark_safe(user)\n"
        "b = format_html(user)\n"
        "c = format_html('<b>{}</b>', user)\n"
        "d = SafeString(user)\n"
        "@register.filter(is_safe=True)\n"
        "def f(v): return v\n"
    )
    assert [kind for kind, _ in _python_findings(code)] == [
        "mark_safe",
        "format_html",
        "SafeString",
        "is_safe",
    ]
    page = tmp_path / "x.html"
    page.write_text(
        "{{ a|safe }}\n{{ b | safeseq }}\n{% autoescape off %}{{ c }}{% endautoescape %}"
    )
    assert [kind for kind, _ in _template_findings(page)] == ["|safe", "|safe", "autoescape off"]
