"""QR codes of respondent links, as inline SVG (for HTML and PDF) and as PNG (for download).

Both come from the ``qrcode`` library; this module only chooses the settings and trims the
SVG so that it can be placed inside an HTML page any number of times. ``qrcode`` (with Pillow
and lxml) is imported when a code is first drawn, not when the app starts: respondents' pages,
which every worker serves first, never draw one.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

#: Error correction level Q (about 25% of the code can be lost) rather than M (15%): these codes
#: are printed, pinned to notice boards, folded into bags, photocopied and laminated (glare), and
#: a longer link with a 22-character token costs only one version step (41 instead of 37 modules
#: a side), which even the small 30 mm card codes absorb (about 0.7 mm a module).
ERROR_CORRECTION = "ERROR_CORRECT_Q"  # a name in qrcode.constants
#: the quiet zone the QR specification asks for, in modules
QUIET_ZONE = 4


def _make(url: str, image_factory, *, box_size: int = 10, border: int = QUIET_ZONE):
    import qrcode
    import qrcode.constants

    if not url:
        raise ValueError("a QR code needs a non-empty URL")
    code = qrcode.QRCode(error_correction=getattr(qrcode.constants, ERROR_CORRECTION),
                         box_size=box_size, border=border, image_factory=image_factory)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image()


def qr_svg(url: str, *, border: int = QUIET_ZONE) -> str:
    """Return the QR code of *url* as an ``<svg>`` element to inline in HTML.

    The SVG is vector (one path on a white square, so it stays readable on any background),
    has no XML declaration, no fixed size (it fills the width its container gives it, the
    ``viewBox`` keeping it square), no ``id`` (several codes can share a page) and no external
    reference. It carries ``role="img"`` and an ``aria-label`` naming the link.
    """
    import qrcode.image.svg

    image = _make(url, qrcode.image.svg.SvgPathFillImage, border=border)
    svg = image.get_image()
    for attribute in ("width", "height"):
        svg.attrib.pop(attribute, None)
    svg.set("role", "img")
    svg.set("aria-label", f"QR: {url}")
    # square modules: no anti-aliased seams between neighbours on screen
    svg.set("shape-rendering", "crispEdges")
    for element in svg.iter():
        element.attrib.pop("id", None)
    return ET.tostring(svg, encoding="unicode")


def qr_png(url: str, box_size: int = 10, border: int = QUIET_ZONE) -> bytes:
    """Return the QR code of *url* as a black-on-white PNG.

    :param box_size: pixels per module.
    :param border: quiet zone in modules (4 is what the specification asks for).
    """
    import qrcode.image.pil

    image = _make(url, qrcode.image.pil.PilImage, box_size=box_size, border=border)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
