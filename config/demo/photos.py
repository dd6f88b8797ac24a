"""Believable placeholder photos for demo instruments, drawn with Pillow."""

import io
import random

from PIL import Image, ImageDraw, ImageFont

SIZE = (960, 720)


def instrument_photo(label: str, seed: int) -> bytes:
    """A JPEG of a stylized bench instrument with a label, different for each seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    top, bottom = _tone(rng, 225, 245), _tone(rng, 170, 200)
    for y in range(SIZE[1]):
        t = y / SIZE[1]
        draw.line([(0, y), (SIZE[0], y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    draw.rectangle([0, 560, SIZE[0], SIZE[1]], fill=(120, 110, 100))  # bench
    body = _tone(rng, 200, 240)
    x0, w, h = rng.randint(120, 260), rng.randint(380, 520), rng.randint(260, 380)
    draw.rounded_rectangle([x0, 560 - h, x0 + w, 560], radius=18, fill=body, outline=(80, 80, 90), width=4)
    draw.rectangle([x0 + 30, 560 - h + 30, x0 + 30 + w // 3, 560 - h + 30 + h // 3], fill=(30, 50, 70))  # screen
    for i in range(rng.randint(2, 5)):  # knobs
        cx = x0 + w - 60 - i * 45
        draw.ellipse([cx - 14, 560 - 80, cx + 14, 560 - 52], fill=(60, 60, 60))
    if rng.random() < 0.6:  # a column or chamber on top
        cx = x0 + w // 2 + rng.randint(-60, 60)
        draw.rectangle([cx - 40, 560 - h - 160, cx + 40, 560 - h], fill=_tone(rng, 150, 200), outline=(70, 70, 70))
    draw.text((x0 + 30, 560 - 40), label[:40], fill=(20, 20, 20), font=ImageFont.load_default(size=22))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _tone(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    base = rng.randint(low, high)
    return (base, min(255, base + rng.randint(-10, 10)), min(255, base + rng.randint(0, 15)))
