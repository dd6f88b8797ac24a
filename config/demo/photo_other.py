"""Illustrations of the demo's instruments outside the analytical class: testing,
metrology, electronics, imaging, process equipment, computers, lasers and the rest."""

from config.demo.photo_canvas import BENCH, DARK, FLOOR, GLASS, GREY, INK, LIGHT, SCREEN, WHITE, Canvas, shade


def testing_machine(c: Canvas, leaf: str, model: str) -> None:
    """Two columns, a moving crosshead, grips holding a dog-bone specimen."""
    c.floor()
    c.box((150, 520, 560, FLOOR), WHITE, radius=8)  # base
    c.stripe(150, 540, 560)
    c.plate(180, 568, model)
    for x in (200, 470):
        c.box((x, 90, x + 40, 520), LIGHT, radius=6)  # columns
        c.draw.rectangle([x + 8, 100, x + 32, 510], fill=shade(LIGHT, 0.9))
    c.box((170, 70, 540, 110), WHITE, radius=6)  # top plate
    c.box((170, 250, 540, 300), c.accent, radius=6)  # crosshead
    c.box((330, 300, 380, 350), DARK, radius=4)  # upper grip
    c.box((330, 440, 380, 490), DARK, radius=4)  # lower grip
    c.box((380 - 50, 490, 380, 520), GREY, radius=2)
    c.shape([(340, 345), (370, 345), (364, 370), (364, 420), (370, 445), (340, 445), (346, 420), (346, 370)],
            (230, 232, 236))  # fmt: skip
    c.box((640, 300, 820, FLOOR), DARK, radius=6)  # controller tower
    c.monitor(650, 300, 160, 110, "line")
    c.leds(670, 340, 4, 30)


def particle_sizer(c: Canvas, leaf: str, model: str) -> None:
    """A long optical bench with a wet dispersion unit and its stirred beaker."""
    c.bench()
    c.box((60, 340, 640, BENCH), WHITE, radius=14)
    c.stripe(60, 360, 640)
    c.box((260, 380, 420, 470), shade(WHITE, 0.9), radius=6)  # measurement cell door
    c.box((300, 400, 380, 450), GLASS, radius=4)
    c.line([(120, 425), (560, 425)], fill=(230, 60, 60), width=2)  # the laser's path
    c.plate(460, 430, model)
    c.box((680, 380, 820, BENCH), WHITE, radius=8)  # dispersion unit
    c.box((700, 290, 800, 390), (226, 238, 244), radius=6, width=2)  # beaker
    c.draw.rectangle([703, 330, 797, 386], fill=(236, 236, 224))
    c.line([(750, 220), (750, 370)], fill=GREY, width=6)  # stirrer
    c.box((720, 200, 780, 230), DARK, radius=4)
    c.line([(680, 460), (640, 460)], fill=(90, 150, 210), width=5)


def metrology(c: Canvas, leaf: str, model: str) -> None:
    """A coordinate measuring machine: a bridge over a granite table, the probe on its ram."""
    c.floor()
    c.box((110, 440, 730, 500), (70, 74, 80), radius=4)  # granite
    c.box((150, 500, 690, FLOOR), GREY, radius=4)  # stand
    c.box((170, 150, 220, 440), WHITE, radius=6)  # bridge legs
    c.box((620, 150, 670, 440), WHITE, radius=6)
    c.box((150, 120, 690, 170), WHITE, radius=6)  # bridge beam
    c.stripe(150, 150, 690)
    c.box((380, 100, 470, 190), LIGHT, radius=6)  # carriage
    c.box((405, 190, 445, 370), LIGHT, radius=4)  # Z ram
    c.line([(425, 370), (425, 400)], fill=DARK, width=6)
    c.draw.ellipse([417, 398, 433, 414], fill=(220, 40, 60))  # the ruby ball
    c.shape([(340, 440), (500, 440), (480, 410), (360, 410)], (176, 186, 196))  # the part
    c.plate(200, 530, model)
    c.desk(760, 940, 470)
    c.monitor(770, 470, 150, 110, "line")


def rf_tester(c: Canvas, leaf: str, model: str) -> None:
    """A network analyser's front panel, its ports cabled to a device under test."""
    c.bench()
    c.box((90, 210, 690, BENCH), LIGHT, radius=10)
    c.stripe(90, 230, 690, 8)
    c.screen((120, 260, 440, 460), "line")
    for row in range(4):
        for col in range(4):
            c.box((470 + col * 44, 260 + row * 38, 506 + col * 44, 290 + row * 38), WHITE, radius=4, width=2)
    c.knob(620, 250 + 4 * 38 + 30, 22)
    for x in (480, 540, 600, 660):
        c.oval((x - 14, 450, x + 14, 478), (196, 170, 90))  # ports
        c.line([(x, 478), (x, 495), (760, 470)], fill=(90, 110, 200), width=5)
    c.box((740, 440, 880, BENCH), (40, 110, 70), radius=4)  # the board under test
    c.plate(120, 470, model)


def ic_tester(c: Canvas, leaf: str, model: str) -> None:
    """A parameter analyser with its module slots, cabled to a probe station."""
    c.bench()
    c.box((60, 220, 440, BENCH), LIGHT, radius=10)
    c.screen((90, 250, 280, 370), "line")
    for i in range(6):
        c.box((90 + i * 56, 390, 134 + i * 56, 470), WHITE, radius=3, width=2)  # SMU modules
        c.oval((102 + i * 56, 440, 122 + i * 56, 460), (190, 160, 80), width=2)
    c.plate(300, 260, model)
    c.leds(300, 320, 4)
    c.box((560, 420, 880, BENCH), DARK, radius=4)  # probe station
    c.box((650, 380, 790, 420), GREY, radius=4)  # chuck
    c.box((700, 150, 740, 330), WHITE, radius=4)  # microscope
    c.box((680, 120, 780, 170), LIGHT, radius=6)
    c.line([(700, 130), (680, 90)], fill=DARK, width=12)
    c.box((706, 330, 734, 370), DARK, radius=3)
    for x in (600, 830):
        c.box((x - 20, 370, x + 20, 420), shade(GREY, 0.9), radius=4)  # manipulators
        c.line([(x, 380), (720 + (x - 715) // 6, 395)], fill=INK, width=3)
    c.line([(440, 430), (580, 390)], fill=DARK, width=4)


def imaging(c: Canvas, leaf: str, model: str) -> None:
    """An in-vivo imaging cabinet: a light-tight chamber with a cooled camera on top."""
    c.floor()
    c.cylinder(290, 70, 390, 150, DARK)  # the camera
    c.box((150, 140, 530, FLOOR), WHITE, radius=12)
    c.stripe(150, 170, 530)
    c.box((190, 200, 490, 470), (48, 52, 60), radius=8)  # chamber door
    c.box((460, 310, 476, 360), GREY, radius=3)  # handle
    c.plate(190, 500, model)
    c.leds(400, 510, 3)
    c.box((570, 380, 690, FLOOR), LIGHT, radius=8)  # anaesthesia unit
    c.cylinder(600, 300, 660, 380, (120, 180, 140))
    c.line([(570, 420), (530, 420)], fill=(90, 150, 210), width=5)
    c.desk(720, 940, 470)
    c.monitor(740, 470, 180, 120, "image")


def process_equipment(c: Canvas, leaf: str, model: str) -> None:
    c.floor()
    c.box((580, 120, 760, FLOOR), DARK, radius=4)  # electronics rack
    for y in range(140, 580, 60):
        c.box((592, y, 748, y + 48), (62, 68, 78), radius=3, width=2)
        c.leds(610, y + 20, 3)
    if leaf == "120301":  # e-beam lithography: a column on a chamber on an isolated frame
        c.box((90, 440, 520, FLOOR), GREY, radius=6)  # frame
        c.box((120, 330, 490, 440), WHITE, radius=10)  # chamber
        c.stripe(120, 350, 490)
        c.box((30, 360, 120, 420), LIGHT, radius=6)  # load lock
        c.column(300, 330, 250, 120, 84, 0, LIGHT)
        c.plate(120, 470, model)
    else:  # ICP etcher: process chamber with its coil and RF match, load lock, gas box
        c.box((60, 100, 200, FLOOR), LIGHT, radius=6)  # gas box
        c.vents(80, 130, 180, 300)
        c.box((220, 440, 540, FLOOR), WHITE, radius=6)  # frame
        c.stripe(220, 460, 540)
        c.cylinder(300, 300, 460, 440, LIGHT)  # chamber
        c.box((320, 230, 440, 300), shade(LIGHT, 0.9), radius=8)  # coil housing
        c.box((340, 160, 420, 230), c.accent, radius=6)  # RF match
        c.box((460, 360, 560, 420), LIGHT, radius=6)  # load lock
        c.plate(240, 530, model)
    c.desk(780, 950, 470)
    c.monitor(790, 470, 150, 110, "line")


def computer(c: Canvas, leaf: str, model: str) -> None:
    """A row of server racks, their fronts full of nodes and lights."""
    c.floor()
    for n, x in enumerate((70, 290, 510, 730)):
        c.box((x, 90, x + 200, FLOOR), (40, 44, 52), radius=6)
        c.draw.rectangle([x + 6, 96, x + 194, 106], fill=c.accent)
        for y in range(124, FLOOR - 40, 34):
            c.box((x + 14, y, x + 186, y + 26), (62, 68, 78), radius=3, width=1)
            for i in range(3):
                c.draw.ellipse([x + 150 + i * 10, y + 10, x + 156 + i * 10, y + 16],
                               fill=(80, 160, 255) if c.rng.random() < 0.6 else (90, 210, 120))  # fmt: skip
        if n == 0:
            c.plate(x + 14, FLOOR - 36, model)


def laser(c: Canvas, leaf: str, model: str) -> None:
    """A laser head and its beam path over mirrors on an optical table, a chiller below."""
    c.floor()
    c.box((40, 380, 920, 430), (196, 200, 206), radius=4)  # optical table
    for x in range(56, 910, 24):
        for y in (392, 404, 416):
            c.draw.point((x, y), fill=DARK)
    for x in (80, 860):
        c.box((x, 430, x + 40, FLOOR), GREY, radius=3)
    c.box((100, 470, 300, FLOOR), WHITE, radius=6)  # chiller
    c.leds(120, 490, 2)
    c.box((80, 290, 420, 380), WHITE, radius=8)  # laser head
    c.stripe(80, 310, 420)
    c.plate(100, 340, model)
    beam = [(420, 335), (560, 335), (560, 250), (760, 250), (760, 335), (860, 335)]
    c.line(beam, fill=(240, 60, 60), width=3)
    for x, y in beam[1:-1]:
        c.box((x - 10, y - 22, x + 10, y + 22), LIGHT, radius=3, width=2)  # mirrors
    c.box((840, 300, 900, 380), DARK, radius=4)  # sample stage
    c.draw.rectangle([40, 120, 920, 128], fill=shade(c.wall, 0.85))  # the enclosure's rail


def other(c: Canvas, leaf: str, model: str) -> None:
    """A climatic chamber: a tall cabinet, a door with a window, a touch panel, casters."""
    c.floor()
    c.box((220, 90, 620, 590), WHITE, radius=10)
    c.stripe(220, 110, 620)
    c.box((250, 140, 520, 560), LIGHT, radius=8)  # door
    c.box((300, 200, 470, 380), GLASS, radius=6)
    for y in (260, 320):
        c.line([(310, y), (460, y)], fill=GREY, width=4)  # shelves
    c.box((500, 320, 514, 400), GREY, radius=3)  # handle
    c.screen((540, 160, 600, 240), "line")
    c.plate(262, 520, model)
    for x in (240, 580):
        c.oval((x, 590, x + 26, FLOOR), DARK)
    c.desk(700, 940, 470)
    c.box((730, 400, 900, 470), SCREEN, radius=4)
