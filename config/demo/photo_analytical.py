"""Illustrations of analytical instruments (NRII class 01), one drawing per subclass;
the leaf code picks the variant (a TEM's column is taller than an SEM's)."""

from config.demo.photo_canvas import BENCH, DARK, FLOOR, GLASS, GREY, INK, LIGHT, WHITE, Canvas, shade


def electron_optics(c: Canvas, leaf: str, model: str) -> None:
    """A column on a specimen chamber over a cabinet, and the operator's console."""
    c.floor()
    c.desk(610, 940, 470)
    c.monitor(628, 470, 160, 112, "image")
    c.monitor(800, 470, 124, 92, "image")
    c.keyboard(650, 470)
    c.box((80, 430, 540, FLOOR), WHITE)  # cabinet
    c.stripe(80, 450, 540)
    c.vents(110, 520, 260, 600)
    c.plate(300, 560, model)
    if leaf == "010101":  # TEM: one tall column, viewing chamber with binoculars
        c.box((200, 340, 420, 430), LIGHT)
        c.oval((270, 360, 350, 420), (60, 90, 70))  # fluorescent screen window
        c.line([(350, 372), (400, 350)], width=10, fill=DARK)  # binoculars
        c.column(310, 340, 230, 130, 84, 0, LIGHT)
    elif leaf == "010104":  # FIB-SEM: an electron column upright, an ion column at 52°
        c.box((170, 330, 450, 430), LIGHT, radius=20)
        c.column(300, 330, 220, 90, 64, 0, LIGHT)
        c.column(330, 330, 210, 80, 56, 52, shade(LIGHT, 0.93))
        c.oval((180, 360, 220, 400), GLASS)  # door port
    else:  # SEM: a short column on a box-shaped chamber with a door
        c.box((160, 300, 460, 430), LIGHT, radius=14)
        c.box((180, 320, 300, 410), shade(LIGHT, 0.95), radius=6)  # chamber door
        c.box((280, 350, 296, 380), DARK, radius=3)  # door handle
        c.column(380, 300, 200, 96, 60, 0, LIGHT)


def mass_spectrometer(c: Canvas, leaf: str, model: str) -> None:
    """An inlet (LC stack, GC oven or ICP torch) beside the mass spectrometer's box."""
    c.bench()
    c.box((390, 250, 860, BENCH), WHITE, radius=16)  # the MS
    c.stripe(390, 280, 860)
    c.box((560, 320, 840, 470), shade(WHITE, 0.96), radius=10)
    c.leds(590, 340, 4)
    c.plate(600, 430, model)
    c.vents(410, 320, 530, 470, 12)
    if leaf == "010202":  # LC-MS: a stack of LC modules with solvent bottles on top
        for i, colour in enumerate([(180, 210, 240), (240, 230, 170), (200, 230, 200)]):
            c.bottle(90 + i * 70, 170, 50, 70, colour)
        for y0 in (180, 260, 340, 420):
            c.box((70, y0, 330, y0 + 76), WHITE, radius=6)
            c.leds(90, y0 + 14, 2)
            c.screen((230, y0 + 12, 310, y0 + 40), "line")
        c.line([(330, 390), (390, 380)], fill=(90, 150, 210), width=4)  # transfer line
    elif leaf == "010201":  # GC-MS: a GC oven with an autosampler tower
        c.box((70, 230, 360, BENCH), WHITE, radius=10)
        c.box((100, 290, 330, 470), LIGHT, radius=6)  # oven door
        c.vents(130, 310, 300, 450, 14)
        c.cylinder(150, 130, 230, 230, GREY)  # autosampler tray
        for i in range(5):
            c.draw.rectangle([158 + i * 14, 118, 166 + i * 14, 138], fill=(200, 220, 240), outline=INK)
        c.line([(360, 400), (390, 400)], fill=GREY, width=8)
    else:  # ICP-MS: an autosampler rack in front of a torch box with the plasma's glow
        c.box((60, 400, 340, BENCH), WHITE, radius=6)
        for row in range(2):
            for col in range(9):
                c.oval((76 + col * 28, 412 + row * 36, 96 + col * 28, 432 + row * 36), (206, 230, 246), width=2)
        c.box((250, 220, 270, 400), DARK, radius=4)  # the autosampler's arm and probe
        c.box((150, 200, 290, 226), DARK, radius=4)
        c.line([(170, 226), (170, 300)], fill=GREY, width=4)
        c.box((440, 300, 540, 390), (34, 30, 40), radius=6)  # torch window
        c.draw.ellipse([462, 320, 518, 374], fill=(250, 170, 80))
        c.draw.ellipse([478, 332, 502, 362], fill=(255, 236, 200))


def xray(c: Canvas, leaf: str, model: str) -> None:
    if leaf == "010304":  # XPS: a spherical vacuum chamber with a hemispherical analyser
        c.floor()
        c.box((560, 120, 760, FLOOR), DARK, radius=4)  # electronics rack
        for y in range(140, 580, 56):
            c.box((572, y, 748, y + 46), (60, 66, 76), radius=3, width=2)
            c.leds(590, y + 18, 3)
        c.box((120, 470, 500, 500), GREY, radius=2)  # frame
        for x in (140, 460):
            c.box((x, 500, x + 24, FLOOR), GREY, radius=2)
        c.oval((200, 270, 400, 470), LIGHT)  # analysis chamber
        c.line([(60, 370), (200, 370)], fill=LIGHT, width=22)  # transfer arm
        c.line([(60, 370), (200, 370)], fill=INK, width=2)
        c.draw.pieslice([220, 120, 420, 320], 180, 360, fill=LIGHT, outline=INK, width=3)  # analyser
        c.line([(220, 220), (420, 220)])
        for x, y in ((200, 330), (390, 300), (300, 470)):
            c.oval((x - 18, y - 18, x + 18, y + 18), GREY)  # flanges
        c.oval((280, 350, 320, 390), GLASS)  # viewport
        c.stripe(200, 500, 460, 8)
        c.plate(120, 540, model)
        return
    # XRD: a cabinet whose window shows the goniometer, tube and detector arms
    c.floor()
    c.box((170, 90, 790, FLOOR), WHITE, radius=10)
    c.stripe(170, 120, 790)
    c.box((230, 160, 730, 470), GLASS, radius=10)
    c.oval((380, 220, 580, 420), LIGHT)  # goniometer circle
    c.oval((462, 302, 498, 338), DARK)  # sample stage
    c.line([(480, 320), (330, 250)], fill=DARK, width=22)  # tube arm
    c.box((290, 225, 350, 265), GREY, radius=4)
    c.line([(480, 320), (630, 250)], fill=DARK, width=18)  # detector arm
    c.box((610, 225, 670, 265), (90, 110, 140), radius=4)
    c.oval((460, 58, 500, 98), (250, 200, 60))  # X-ray on lamp
    c.plate(250, 500, model)
    c.leds(620, 510, 3)
    c.vents(250, 550, 700, 600)


def spectrometer(c: Canvas, leaf: str, model: str) -> None:
    c.bench()
    c.monitor(690, BENCH, 210, 150, "peaks")
    if leaf == "010406":  # Raman: a microscope coupled to a spectrometer, a laser beside
        c.box((60, 330, 430, BENCH), WHITE, radius=10)  # spectrometer
        c.stripe(60, 350, 430)
        c.plate(80, 455, model)
        c.box((250, 190, 330, 330), LIGHT, radius=8)  # microscope arm
        c.box((280, 150, 460, 200), LIGHT, radius=8)  # head
        c.line([(400, 180), (440, 130)], fill=DARK, width=14)  # eyepieces
        c.box((430, 230, 470, 300), DARK, radius=4)  # objective turret
        c.box((410, 320, 560, 340), GREY, radius=3)  # stage
        c.box((470, 340, 520, BENCH), LIGHT, radius=4)
        c.box((560, 420, 660, BENCH), DARK, radius=6)  # laser
        c.line([(560, 440), (480, 440)], fill=(60, 200, 90), width=3)
        return
    # FTIR: a low box with a sample compartment and a hinged lid
    c.box((80, 300, 620, BENCH), WHITE, radius=14)
    c.stripe(80, 330, 620)
    c.box((330, 360, 560, 480), shade(WHITE, 0.9), radius=8)  # sample compartment
    c.box((360, 380, 530, 460), GLASS, radius=4)
    c.leds(110, 370, 3)
    c.plate(110, 440, model)


def chromatograph(c: Canvas, leaf: str, model: str) -> None:
    """An LC stack with solvent bottles on top, and the workstation."""
    c.bench()
    for i, colour in enumerate([(190, 215, 240), (236, 226, 170), (200, 232, 204), (236, 200, 200)]):
        c.bottle(190 + i * 64, 150, 48, 76, colour)
    for n, y0 in enumerate((160, 240, 320, 410)):
        c.box((170, y0, 470, y0 + (90 if n == 3 else 76)), WHITE, radius=6)
        c.stripe(170, y0 + 8, 200, 60)
        c.leds(220, y0 + 16, 3)
        c.screen((360, y0 + 12, 450, y0 + 44), "peaks" if n == 3 else "line")
    c.plate(220, 460, model)
    c.monitor(600, BENCH, 230, 160, "peaks")


def magnetic_resonance(c: Canvas, leaf: str, model: str) -> None:
    """The superconducting magnet on its legs behind the 5-gauss line, its console and desk."""
    c.floor()
    for x in range(40, 560, 40):  # the 5-gauss line on the floor
        c.draw.polygon([(x, 660), (x + 20, 660), (x + 10, 676), (x - 10, 676)], fill=(240, 200, 40))
    for x in (190, 290, 390):
        c.box((x - 12, 420, x + 12, 640), GREY, radius=4)  # legs
    c.cylinder(150, 110, 430, 440, (226, 232, 238))
    for y in (200, 330):
        c.draw.rectangle([152, y, 428, y + 14], fill=c.accent)
    for x in (230, 290, 350):
        c.box((x - 10, 70, x + 10, 120), GREY, radius=4)  # turrets
    c.box((560, 200, 700, FLOOR), DARK, radius=6)  # console
    for y in range(230, 560, 60):
        c.leds(580, y, 4, 22)
    c.desk(720, 940, 470)
    c.monitor(740, 470, 180, 120, "peaks")
    c.plate(200, 460, model)


def electrochemistry(c: Canvas, leaf: str, model: str) -> None:
    """A potentiostat wired to a three-electrode cell on a stand, and a laptop."""
    c.bench()
    c.box((60, 330, 380, BENCH), WHITE, radius=10)
    c.stripe(60, 350, 380)
    c.screen((90, 380, 230, 450), "line")
    for x in (270, 310, 350):
        c.oval((x - 12, 392, x + 12, 416), (220, 60, 60) if x == 270 else DARK)
    c.plate(90, 462, model)
    c.box((560, 160, 576, BENCH), GREY, radius=3)  # stand
    c.box((530, 480, 700, BENCH), DARK, radius=3)
    c.line([(576, 260), (620, 260)], fill=GREY, width=8)
    c.box((560, 360, 680, 480), (226, 238, 244), radius=10, width=2)  # cell
    c.draw.rectangle([563, 400, 677, 476], fill=(200, 220, 150))
    for x, jack, colour in ((590, 270, (220, 60, 60)), (620, 310, DARK), (650, 350, (60, 160, 80))):
        c.line([(x, 300), (x, 450)], fill=GREY, width=6)  # electrodes
        c.line([(x, 300), (x - 60, 240), (jack + 40, 300), (jack, 392)], fill=colour, width=3)
    c.shape([(740, 490), (920, 490), (940, BENCH), (720, BENCH)], DARK)  # laptop
    c.box((750, 360, 910, 490), (40, 44, 52), radius=4)
    c.screen((758, 368, 902, 482), "line")


def microscope(c: Canvas, leaf: str, model: str) -> None:
    if leaf == "010803":  # AFM: the head over a stage inside an acoustic hood, a controller
        c.bench()
        c.box((70, 150, 470, BENCH), shade(c.wall, 0.85), radius=10)  # hood
        c.box((100, 190, 440, 470), GLASS, radius=6)
        c.box((150, 430, 390, 470), DARK, radius=4)  # granite base
        c.box((200, 400, 340, 430), GREY, radius=3)  # stage
        c.box((230, 250, 310, 340), LIGHT, radius=6)  # scan head
        c.shape([(262, 340), (278, 340), (270, 396)], DARK)  # tip
        c.box((160, 220, 380, 250), GREY, radius=3)  # bridge
        c.box((540, 380, 700, BENCH), WHITE, radius=8)  # controller
        c.leds(560, 400, 4)
        c.plate(100, 158, model)
        c.monitor(720, BENCH, 200, 140, "image")
        return
    # Confocal: an inverted microscope with a scan head on an isolation table, the lasers beside
    c.floor()
    c.box((60, 440, 600, 474), DARK, radius=4)  # table top
    for x in (90, 540):
        c.box((x, 474, x + 40, FLOOR), GREY, radius=3)
    c.box((180, 300, 400, 440), WHITE, radius=10)  # microscope body
    c.stripe(180, 318, 400, 8)
    c.box((250, 180, 290, 300), WHITE, radius=6)  # pillar
    c.box((210, 160, 330, 200), LIGHT, radius=8)  # condenser head
    c.box((190, 280, 390, 296), GREY, radius=2)  # stage
    c.box((400, 330, 540, 420), c.accent, radius=8)  # scan head
    c.line([(150, 360), (120, 330)], fill=DARK, width=14)  # eyepieces
    c.box((640, 470, 900, FLOOR), WHITE, radius=6)  # laser unit
    c.leds(670, 500, 5, 24)
    c.line([(640, 540), (540, 400)], fill=(240, 190, 60), width=4)  # fibre
    c.plate(660, 570, model)
    c.monitor(700, 460, 180, 120, "image")


def thermal_analyser(c: Canvas, leaf: str, model: str) -> None:
    """A furnace tower on a balance housing, a gas controller and a PC."""
    c.bench()
    c.box((150, 330, 450, BENCH), WHITE, radius=10)  # balance housing
    c.stripe(150, 350, 450)
    c.plate(170, 455, model)
    c.leds(360, 400, 3)
    c.cylinder(230, 120, 370, 330, LIGHT)  # furnace
    c.box((220, 220, 380, 240), GREY, radius=2)  # hoist collar
    c.line([(370, 150), (420, 150), (420, 330)], fill=DARK, width=8)  # hoist
    c.box((500, 400, 620, BENCH), WHITE, radius=8)  # gas controller
    c.leds(515, 420, 3, 30)
    c.monitor(680, BENCH, 220, 150, "line")


def biochemical(c: Canvas, leaf: str, model: str) -> None:
    """A flow cytometer: a bench-top box with its sample port, fluidics bottles, a PC."""
    c.bench()
    c.box((70, 260, 480, BENCH), WHITE, radius=18)
    c.stripe(70, 290, 480)
    c.box((230, 330, 330, 430), shade(WHITE, 0.9), radius=8)  # sample port
    c.line([(280, 340), (280, 392)], fill=GREY, width=6)  # probe
    c.box((262, 392, 298, 428), (230, 230, 200), radius=8, width=2)  # tube
    c.leds(110, 330, 3)
    c.plate(100, 450, model)
    for i, colour in enumerate([(200, 224, 246), (236, 216, 170)]):
        c.bottle(520 + i * 70, BENCH, 56, 110, colour)
    c.line([(480, 460), (520, 430)], fill=(90, 150, 210), width=3)
    c.monitor(700, BENCH, 210, 150, "bars")
