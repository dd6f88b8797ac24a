"""Pictures of the demo's instruments: drawn illustrations, one style per second-level
category of the NRII classification (an electron microscope's column, a mass
spectrometer with its LC stack, an NMR magnet, …), each marked as an illustration.

The demo ships no photographs it may not license; a drawing that shows what kind of
instrument it is tells a visitor more than a stock photo of another model would.
"""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from config.demo import photo_analytical as analytical
from config.demo import photo_other as other
from config.demo.photo_canvas import Canvas, Palette, palette

CAPTION = "{name_zh}（示意图，非实物照片） / {name_en} (illustration, not a photograph)"
LABEL = ("示意图", "Illustration")

Drawing = Callable[[Canvas, str, str], None]


@dataclass(frozen=True)
class Style:
    subclass: str  # the second-level category, e.g. "0101"
    drawing: Drawing
    colours: Palette


# Second-level category → its drawing and the hue of its wall (0–1), spread so that
# neighbours in the catalog look apart.
STYLES = {
    "0101": (analytical.electron_optics, 0.58),
    "0102": (analytical.mass_spectrometer, 0.08),
    "0103": (analytical.xray, 0.15),
    "0104": (analytical.spectrometer, 0.80),
    "0105": (analytical.chromatograph, 0.33),
    "0106": (analytical.magnetic_resonance, 0.52),
    "0107": (analytical.electrochemistry, 0.02),
    "0108": (analytical.microscope, 0.70),
    "0109": (analytical.thermal_analyser, 0.05),
    "0110": (analytical.biochemical, 0.40),
    "0201": (other.testing_machine, 0.62),
    "0205": (other.particle_sizer, 0.22),
    "0301": (other.metrology, 0.47),
    "0402": (other.rf_tester, 0.90),
    "0405": (other.ic_tester, 0.28),
    "0902": (other.imaging, 0.95),
    "1203": (other.process_equipment, 0.55),
    "1301": (other.computer, 0.64),
    "1401": (other.laser, 0.98),
    "9900": (other.other, 0.12),
}


def style_of(category: str) -> Style:
    """The style of a category code (any level); categories the demo has no drawing for
    look like "other instruments"."""
    subclass = category[:4] if category[:4] in STYLES else "9900"
    drawing, hue = STYLES[subclass]
    return Style(subclass, drawing, palette(hue))


def instrument_illustration(*, category: str, model: str, seed: int) -> bytes:
    """A JPEG drawing of an instrument of the category; the seed varies its details."""
    style = style_of(category)
    canvas = Canvas(style.colours, random.Random(seed))
    style.drawing(canvas, category, model)
    canvas.label(*LABEL)
    out = io.BytesIO()
    canvas.image.save(out, "JPEG", quality=88)
    return out.getvalue()


def illustration_caption(name_zh: str, name_en: str) -> str:
    return CAPTION.format(name_zh=name_zh, name_en=name_en)[:200]
