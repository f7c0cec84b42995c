"""Made-up album covers for the demo: colours, a few shapes and the album title.

Every cover is drawn as SVG from its name, so each album looks different and
the same album looks the same on every run (the README screenshots are taken
from the demo). Nothing here is a real artwork.
"""

from dataclasses import dataclass
import hashlib
import html

from .model import DEMO_TRACKS, IMAGE_ROOT, MORE_TRACKS

SIZE = 300


@dataclass(frozen=True, slots=True)
class Cover:
    """What a cover shows: its title and the small print under it."""

    title: str
    subtitle: str


def demo_covers() -> dict[str, Cover]:
    """Return the covers of the demo's albums by image path (``covers/hl.jpg``)."""
    covers: dict[str, Cover] = {}
    for track in (*DEMO_TRACKS, *MORE_TRACKS):
        path = track.image_url.removeprefix(f"{IMAGE_ROOT}/")
        covers.setdefault(path, Cover(track.album, track.artist))
    return covers


def title_of(path: str) -> str:
    """Make a title of an image path nobody described (``stations/harbour-fm``)."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return " ".join(part.capitalize() for part in stem.replace("_", "-").split("-"))


def _lines(title: str, width: int = 14) -> list[str]:
    """Break a title into lines of about ``width`` characters, at most three."""
    lines: list[str] = []
    for word in title.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines[:3]


def draw(path: str, cover: Cover | None) -> str:
    """Draw the cover of an image path as SVG, the same every time."""
    cover = cover or Cover(title_of(path), "")
    seed = hashlib.sha256(path.encode()).digest()
    hue = seed[0] * 360 // 256
    other = (hue + 40 + seed[1] % 120) % 360
    shapes = []
    for index in range(4):
        x, y = seed[2 + index] * SIZE // 256, seed[6 + index] * SIZE // 256
        radius = 30 + seed[10 + index] % 90
        opacity = 0.15 + (seed[14 + index] % 30) / 100
        shapes.append(
            f'<circle cx="{x}" cy="{y}" r="{radius}" '
            f'fill="hsl({(other + index * 25) % 360},70%,70%)" opacity="{opacity}"/>'
        )
    lines = _lines(cover.title)
    top = 200 - 34 * (len(lines) - 1)
    text = "".join(
        f'<text x="24" y="{top + 34 * n}" font-size="30" font-weight="700" '
        f'fill="white" font-family="sans-serif">{html.escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    small = (
        f'<text x="24" y="272" font-size="16" fill="white" opacity="0.85" '
        f'font-family="sans-serif">{html.escape(cover.subtitle)}</text>'
        if cover.subtitle
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue},55%,38%)"/>'
        f'<stop offset="1" stop-color="hsl({other},60%,22%)"/>'
        "</linearGradient></defs>"
        f'<rect width="{SIZE}" height="{SIZE}" fill="url(#g)"/>'
        f"{''.join(shapes)}{text}{small}</svg>"
    )
