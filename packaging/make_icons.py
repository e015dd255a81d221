#!/usr/bin/env python3
"""Renders the PNG sizes of the app icon (same geometry as resources/icons/hogwild-studio.svg) with Pillow.
Run once after changing the icon: python3 packaging/make_icons.py (pip install pillow)."""
from pathlib import Path
from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int) -> Image.Image:
    big = 1024  # draw large, then downsample for smooth edges
    k = big / 256
    im = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    def box(x, y, w, h):
        return [x * k, y * k, (x + w) * k, (y + h) * k]
    d.rounded_rectangle(box(8, 8, 240, 240), radius=44 * k, fill="#1f2937")
    d.rounded_rectangle(box(36, 176, 184, 36), radius=10 * k, fill="#fbbf24")
    d.rounded_rectangle(box(44, 52, 76, 104), radius=12 * k, fill="#38bdf8")
    d.rounded_rectangle(box(136, 52, 76, 104), radius=12 * k, fill="#f472b6")
    for x0, x1s in ((60, (104, 96, 104)), (152, (196, 188, 196))):
        for y, x1 in zip((80, 104, 128), x1s):
            d.line([x0 * k, y * k, x1 * k, y * k], fill="#1f2937", width=int(8 * k))
    for x in (82, 174):
        d.line([x * k, 156 * k, x * k, 176 * k], fill="#e5e7eb", width=int(8 * k))
    return im.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    for s in (16, 32, 48, 64, 128, 256):
        draw(s).save(OUT / f"hogwild-studio-{s}.png", optimize=True)
    print("icons written to", OUT)
