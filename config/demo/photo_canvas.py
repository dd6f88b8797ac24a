"""The pieces the demo's instrument illustrations are drawn from: a flat, outlined style
on a 4:3 canvas, with a wall tinted per category and a floor or a lab bench."""

import colorsys
import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 960, 720
FLOOR = 616  # where floor-standing instruments stand
BENCH = 500  # the top of the lab bench for bench-top ones
INK = (52, 58, 68)
WHITE = (240, 241, 243)
LIGHT = (214, 219, 225)
GREY = (160, 168, 178)
DARK = (72, 80, 92)
SCREEN = (24, 38, 56)
GLASS = (176, 206, 222)
Colour = tuple[int, int, int]
# Fonts with Chinese glyphs, where the machine has one; the label falls back to English.
CJK_FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
]


@dataclass(frozen=True)
class Palette:
    wall: Colour
    accent: Colour


def palette(hue: float) -> Palette:
    """A pale wall and a strong accent of one hue (0–1)."""
    wall = colorsys.hsv_to_rgb(hue, 0.16, 0.95)
    accent = colorsys.hsv_to_rgb(hue, 0.62, 0.62)
    return Palette(tuple(round(v * 255) for v in wall), tuple(round(v * 255) for v in accent))


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


@cache
def cjk_font_path() -> tuple[str, int] | None:
    return next(((path, index) for path, index in CJK_FONTS if Path(path).exists()), None)


def shade(colour: Colour, factor: float) -> Colour:
    return tuple(max(0, min(255, round(v * factor))) for v in colour)


class Canvas:
    def __init__(self, colours: Palette, rng: random.Random):
        self.image = Image.new("RGB", (WIDTH, HEIGHT), colours.wall)
        self.draw = ImageDraw.Draw(self.image)
        self.rng, self.wall, self.accent = rng, colours.wall, colours.accent
        for y in range(0, HEIGHT, 4):  # the light falls from above
            self.draw.rectangle([0, y, WIDTH, y + 3], fill=shade(colours.wall, 1.02 - 0.08 * y / HEIGHT))

    # --- the room --------------------------------------------------------------------

    def floor(self) -> None:
        self.draw.rectangle([0, FLOOR, WIDTH, HEIGHT], fill=(206, 204, 198))
        self.draw.rectangle([0, FLOOR - 8, WIDTH, FLOOR], fill=(188, 186, 180))  # skirting
        for x in range(-200, WIDTH, 120):
            self.draw.line([(x + 200, FLOOR), (x, HEIGHT)], fill=(194, 192, 186), width=2)

    def bench(self) -> None:
        self.draw.rectangle([0, BENCH, WIDTH, BENCH + 22], fill=(60, 66, 74))  # epoxy top
        self.draw.rectangle([0, BENCH + 22, WIDTH, HEIGHT], fill=(226, 222, 212))
        for x in range(0, WIDTH, 240):
            self.box((x + 12, BENCH + 36, x + 228, HEIGHT + 10), (232, 228, 219), radius=4, width=2)
            self.draw.rectangle([x + 100, BENCH + 52, x + 140, BENCH + 58], fill=GREY)  # handle

    def desk(self, x0: int, x1: int, top: int) -> None:
        self.box((x0, top, x1, top + 16), (196, 170, 130), radius=3)
        for x in (x0 + 14, x1 - 30):
            self.box((x, top + 16, x + 16, FLOOR), DARK, radius=2)

    # --- shapes ----------------------------------------------------------------------

    def box(self, xy, fill: Colour, *, radius: int = 8, width: int = 3, outline: Colour = INK) -> None:
        self.draw.rounded_rectangle([round(v) for v in xy], radius=radius, fill=fill, outline=outline, width=width)

    def oval(self, xy, fill: Colour, *, width: int = 3) -> None:
        self.draw.ellipse([round(v) for v in xy], fill=fill, outline=INK, width=width)

    def shape(self, points, fill: Colour, *, width: int = 3) -> None:
        self.draw.polygon([(round(x), round(y)) for x, y in points], fill=fill, outline=INK, width=width)

    def line(self, points, fill: Colour = INK, width: int = 3) -> None:
        self.draw.line([(round(x), round(y)) for x, y in points], fill=fill, width=width, joint="curve")

    def cylinder(self, x0: int, y0: int, x1: int, y1: int, fill: Colour) -> None:
        """An upright cylinder seen from the front, a little from above."""
        rim = max(8, (x1 - x0) // 7)
        self.box((x0, y0 + rim // 2, x1, y1), fill, radius=6)
        self.draw.rectangle([x0 + 8, y0 + rim, x0 + 8 + (x1 - x0) // 8, y1 - 8], fill=shade(fill, 1.08))  # sheen
        self.oval((x0, y0, x1, y0 + rim), shade(fill, 1.05))

    # --- instrument parts --------------------------------------------------------------

    def screen(self, xy, kind: str = "line") -> None:
        x0, y0, x1, y1 = xy
        self.box(xy, SCREEN, radius=4)
        w, h, rng = x1 - x0, y1 - y0, self.rng
        if kind == "image":  # a grey micrograph: grains
            for _ in range(max(6, w * h // 900)):
                cx, cy, r = rng.uniform(x0 + 6, x1 - 6), rng.uniform(y0 + 6, y1 - 6), rng.uniform(3, max(4, h / 7))
                g = rng.randint(90, 210)
                r = min(r, cx - x0 - 3, x1 - cx - 3, cy - y0 - 3, y1 - cy - 3)
                if r > 1:
                    self.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(g, g, g))
            return
        if kind == "bars":
            for i in range(6):
                bh = rng.uniform(0.2, 0.8) * (h - 12)
                bx = x0 + 8 + i * (w - 16) / 6
                self.draw.rectangle([bx, y1 - 6 - bh, bx + (w - 16) / 8, y1 - 6], fill=(110, 200, 160))
            return
        base = y1 - 8
        peaks = [(rng.uniform(0.1, 0.9), rng.uniform(0.2, 0.9), rng.uniform(0.008, 0.03)) for _ in range(5)]
        points = []
        for i in range(0, w - 12, 2):
            t = i / (w - 12)
            v = sum(a * 2.718 ** (-((t - p) ** 2) / (2 * s * s)) for p, a, s in peaks) if kind == "peaks" else 0
            if kind == "line":
                v = 0.45 + 0.3 * ((t * 7 + peaks[0][0] * 3) % 1 - 0.5) * (1 - t) + 0.2 * t
            points.append((x0 + 6 + i, base - min(1.0, v) * (h - 18)))
        self.draw.line(points, fill=(120, 230, 180), width=2)

    def monitor(self, x: int, base: int, w: int, h: int, kind: str = "line") -> None:
        self.box((x + w // 2 - 10, base - 26, x + w // 2 + 10, base), DARK, radius=2)
        self.box((x + w // 2 - 34, base - 8, x + w // 2 + 34, base), DARK, radius=3)
        self.box((x, base - 26 - h, x + w, base - 24), (40, 44, 52), radius=6)
        self.screen((x + 7, base - 19 - h, x + w - 7, base - 31), kind)

    def keyboard(self, x: int, top: int, w: int = 110) -> None:
        self.box((x, top - 10, x + w, top), (70, 74, 82), radius=3, width=2)

    def vents(self, x0: int, y0: int, x1: int, y1: int, gap: int = 10) -> None:
        for y in range(y0, y1, gap):
            self.line([(x0, y), (x1, y)], fill=shade(GREY, 0.8), width=3)

    def leds(self, x: int, y: int, n: int, gap: int = 18) -> None:
        for i in range(n):
            colour = (90, 200, 110) if self.rng.random() < 0.7 else (240, 180, 60)
            self.draw.ellipse([x + i * gap, y, x + i * gap + 8, y + 8], fill=colour)

    def knob(self, cx: int, cy: int, r: int = 12) -> None:
        self.oval((cx - r, cy - r, cx + r, cy + r), DARK, width=2)
        self.line([(cx, cy), (cx + r * 0.6, cy - r * 0.6)], fill=LIGHT, width=2)

    def stripe(self, x0: int, y0: int, x1: int, height: int = 10) -> None:
        """The maker's colour band."""
        self.draw.rectangle([x0, y0, x1, y0 + height], fill=self.accent)

    def plate(self, x: int, y: int, text: str) -> None:
        """The model name, as a maker prints it on the case."""
        text = text[:28]
        size = font(18).getbbox(text)
        self.draw.rectangle([x, y, x + size[2] + 14, y + 26], fill=(250, 250, 250), outline=INK, width=2)
        self.draw.text((x + 7, y + 3), text, fill=INK, font=font(18))

    def bottle(self, x: int, base: int, w: int, h: int, liquid: Colour) -> None:
        self.box((x, base - h, x + w, base), (226, 236, 240), radius=6, width=2)
        self.draw.rectangle([x + 3, base - h * 0.6, x + w - 3, base - 3], fill=liquid)
        self.box((x + w // 4, base - h - 10, x + w - w // 4, base - h + 2), (70, 90, 160), radius=2, width=2)

    def column(self, x: float, y: float, length: float, bottom: float, top: float, angle: float, fill: Colour) -> None:
        """A tapered column standing on (x, y), leaning `angle` degrees from upright."""
        a = math.radians(angle)
        ux, uy = math.sin(a), -math.cos(a)  # along the column
        px, py = -uy, ux  # across it
        ex, ey = x + ux * length, y + uy * length
        self.shape([(x - px * bottom / 2, y - py * bottom / 2), (x + px * bottom / 2, y + py * bottom / 2),
                    (ex + px * top / 2, ey + py * top / 2), (ex - px * top / 2, ey - py * top / 2)], fill)  # fmt: skip
        for t in (0.25, 0.5, 0.72):
            w = bottom + (top - bottom) * t
            cx, cy = x + ux * length * t, y + uy * length * t
            self.line([(cx - px * w / 2, cy - py * w / 2), (cx + px * w / 2, cy + py * w / 2)], width=8,
                      fill=self.accent)  # fmt: skip
        self.oval((ex - top * 0.6, ey - top * 0.6, ex + top * 0.6, ey + top * 0.6), shade(fill, 0.92))

    def label(self, text_zh: str, text_en: str) -> None:
        """The illustration says that it is one, in the top left corner."""
        cjk = cjk_font_path()
        text = f"{text_zh} · {text_en}" if cjk else text_en
        face = ImageFont.truetype(cjk[0], 32, index=cjk[1]) if cjk else font(32)
        right = 20 + face.getbbox(text)[2] + 32
        self.draw.rounded_rectangle([16, 16, right, 72], radius=28, fill=(255, 255, 255), outline=INK, width=3)
        self.draw.text((36, 44), text, fill=INK, font=face, anchor="lm")
