"""QR codes: the decoded text is exactly the link, in PNG and as inline vector SVG."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from survey_app.printing import qr_png, qr_svg

from .conftest import LONG_URL, decode_png

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("url", [
    LONG_URL,
    "http://127.0.0.1:5000/r/abc",
    "https://questionari.altosebino.example/r/Zx8_kP2-QmB7dLr0aT5yHw?lang=en&src=poster#start",
])
def test_png_decodes_to_exactly_the_url(url):
    assert decode_png(qr_png(url)) == [url]


def test_png_uses_error_correction_q_and_the_quiet_zone():
    png = qr_png(LONG_URL, box_size=4, border=4)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        [barcode] = zxingcpp.read_barcodes(image)
        # version 6 at level Q: 41 modules a side, plus 4 quiet modules each side
        assert image.size == ((41 + 8) * 4, (41 + 8) * 4)
    assert barcode.ec_level == "Q"


def test_png_box_size_scales_the_image():
    small, large = qr_png(LONG_URL, box_size=2), qr_png(LONG_URL, box_size=10)
    with Image.open(io.BytesIO(small)) as a, Image.open(io.BytesIO(large)) as b:
        assert b.size[0] == 5 * a.size[0]


def test_svg_is_an_inline_vector_element():
    svg = qr_svg(LONG_URL)
    assert svg.startswith("<svg") and not svg.startswith("<?xml")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 49 49"
    # sized by its container, not in millimetres of its own
    assert root.get("width") is None and root.get("height") is None
    assert root.get("role") == "img" and LONG_URL in root.get("aria-label")
    tags = {element.tag for element in root.iter()}
    assert tags == {f"{SVG}svg", f"{SVG}rect", f"{SVG}path"}
    # several codes on one page: no id may repeat; nothing is fetched
    assert all(element.get("id") is None for element in root.iter())
    assert "href" not in svg and "url(" not in svg


def test_svg_escapes_the_url():
    svg = qr_svg('https://x.example/r/a"><script>alert(1)</script>')
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    assert root.get("aria-label").endswith('"><script>alert(1)</script>')


def test_empty_url_is_refused():
    with pytest.raises(ValueError):
        qr_svg("")
    with pytest.raises(ValueError):
        qr_png("")
