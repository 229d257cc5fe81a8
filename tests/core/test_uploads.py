"""The upload kernel: types are judged on content, names are random, downloads are inert."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mops.core import uploads

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ACCEPTED = [
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", uploads.PDF),
    ("shot.png", PNG_BYTES, uploads.PNG),
    ("shot.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", uploads.JPEG),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00", uploads.GIF),
    ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", uploads.WEBP),
    ("notes.txt", "Seed list checked — all good.\n".encode(), uploads.TEXT),
    ("list.csv", b"email,name\na@example.com,A\n", uploads.CSV),
    (
        "brief.docx",
        _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        uploads.DOCX,
    ),
    (
        "plan.xlsx",
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}),
        uploads.XLSX,
    ),
    (
        "plan.ods",
        _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        uploads.ODS,
    ),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, uploads.OLE),
]


@pytest.mark.parametrize(("name", "data", "kind"), ACCEPTED)
def test_allowed_types_are_recognised_by_content(name, data, kind):
    upload = SimpleUploadedFile(name, data, content_type="application/x-whatever")
    accepted = uploads.validate_upload(upload, field="evidence_file")
    assert accepted.kind == kind
    assert accepted.filename == name
    # The stored name is random and carries the detected type's extension, not the user's.
    assert upload.name != name
    assert upload.name.endswith(f".{kind.extension}")
    assert len(upload.name) == 32 + 1 + len(kind.extension)


REFUSED = [
    ("evil.svg", SVG_WITH_SCRIPT),
    ("evil.png", SVG_WITH_SCRIPT),  # an extension does not make an image
    ("page.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("page.txt", b"   <html><body onload=alert(1)>"),
    ("note.txt", b"hello <script>alert(1)</script>"),
    ("data.csv", b"a,b\n<svg onload=alert(1)>,2\n"),
    ("feed.xml", b'<?xml version="1.0"?><rss/>'),
    ("binary.txt", b"\x00\x01\x02 not text"),
    ("latin1.txt", b"caf\xe9 \xff\xfe"),
    ("app.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
    ("archive.zip", _zip({"a.txt": b"hello"})),
    ("broken.docx", b"PK\x03\x04 this is not a zip"),
]


@pytest.mark.parametrize(("name", "data"), REFUSED)
def test_anything_else_is_refused_naming_the_field(name, data):
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        uploads.validate_upload(upload, field="evidence_file")
    assert "not accepted" in caught.value.message_dict["evidence_file"][0]


def test_size_limit_comes_from_the_setting(settings):
    settings.UPLOAD_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.txt", b"a" * 101)
    with pytest.raises(ValidationError) as caught:
        uploads.validate_upload(upload, field="attachment")
    assert caught.value.message_dict == {"attachment": ["Files up to 100 bytes."]}
    assert uploads.validate_upload(SimpleUploadedFile("ok.txt", b"a" * 100), field="attachment")


def test_an_explicit_limit_wins_and_empty_files_are_refused():
    with pytest.raises(ValidationError, match="2 MB"):
        uploads.validate_upload(
            SimpleUploadedFile("a.txt", b"a" * (2 * 1024 * 1024 + 1)),
            field="f",
            max_bytes=2 * 1024 * 1024,
        )
    with pytest.raises(ValidationError, match="empty"):
        uploads.validate_upload(SimpleUploadedFile("a.txt", b""), field="f")


def test_display_name_loses_paths_control_characters_and_line_breaks():
    name = '..\\..//etc/pa"ss\r\nX-Evil: 1\x00\u202etxt.pdf'
    clean = uploads.safe_filename(name)
    assert clean == "passX-Evil 1txt.pdf"
    assert uploads.safe_filename("") == "file"
    assert len(uploads.safe_filename("a" * 500 + ".pdf")) == uploads.FILENAME_MAX_CHARS
    assert uploads.safe_filename("a" * 500 + ".pdf").endswith(".pdf")


def test_a_misleading_extension_is_replaced_by_the_detected_one():
    upload = SimpleUploadedFile("photo.html", PNG_BYTES)
    assert uploads.validate_upload(upload, field="f").filename == "photo.png"


def test_content_disposition_is_rfc6266_with_an_ascii_fallback():
    header = uploads.content_disposition('Résumé "final"\r\n.pdf')
    assert "\r" not in header and "\n" not in header
    assert header == (
        "attachment; filename=\"Resume final.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20final.pdf"
    )


def test_upload_to_is_random_under_the_prefix_and_keeps_only_allowed_extensions():
    upload_to = uploads.UploadTo("releases/evidence/")
    first = upload_to(None, "../../x.pdf")
    assert first.startswith("releases/evidence/") and first.endswith(".pdf")
    assert ".." not in first
    assert upload_to(None, "x.pdf") != first
    assert upload_to(None, "evil.svg").endswith(".bin")
    assert upload_to(None, "evil.html").endswith(".bin")
    assert uploads.UploadTo("a").deconstruct()[1] == ("a",)


def test_compose_keeps_uploads_in_a_named_volume_shared_by_web_and_worker():
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yml").read_text())
    for service in ("web", "worker"):
        app = compose["services"][service]
        media_root = app["environment"]["MEDIA_ROOT"]
        volumes = {v.split(":")[1]: v.split(":")[0] for v in app["volumes"]}
        assert volumes[media_root] in compose["volumes"], service


def test_the_size_limit_handler_keeps_nothing_past_the_limit(settings):
    from django.test import RequestFactory

    settings.UPLOAD_MAX_BYTES = 10
    handler = uploads.UploadSizeLimitHandler(RequestFactory().post("/"))
    handler.new_file("attachment", "big.png", "image/png", None)
    assert handler.receive_data_chunk(b"x" * 8, 0) == b"x" * 8  # within: passed on
    assert handler.receive_data_chunk(b"x" * 8, 8) is None  # past: swallowed
    assert handler.receive_data_chunk(b"x" * 8, 16) is None
    placeholder = handler.file_complete(24)
    assert placeholder.size == 24 and placeholder.read() == b""
    with pytest.raises(ValidationError, match="Files up to 10 bytes"):
        uploads.validate_upload(placeholder, field="attachment")
    small = uploads.UploadSizeLimitHandler(RequestFactory().post("/"))
    small.new_file("attachment", "ok.png", "image/png", None)
    small.receive_data_chunk(b"x" * 10, 0)
    assert small.file_complete(10) is None  # the next handler completes it
