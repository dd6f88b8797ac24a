"""Photo uploads: only real, reasonably sized images get in, and they get in clean."""

import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from instruments import images, services
from tests import factories as f

pytestmark = pytest.mark.django_db


def jpeg(size=(640, 480), exif: bytes | None = None, color=(120, 160, 200)) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    Image.new("RGB", size, color).save(out, "JPEG", **kwargs)
    return out.getvalue()


def png(size=(64, 64), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def exif_with_gps_and_orientation() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (32.0, 3.0, 40.0)}  # GPS position
    return exif.tobytes()


def test_a_real_photo_is_stored_with_a_thumbnail():
    instrument = f.InstrumentFactory()
    photo = services.instrument_photo_add(instrument=instrument, upload=upload(jpeg((1600, 1200))), by=None)
    assert (photo.width, photo.height) == (1600, 1200)
    with Image.open(photo.thumbnail.path) as thumb:
        assert thumb.width <= images.THUMBNAIL_SIZE[0] and thumb.height <= images.THUMBNAIL_SIZE[1]


def test_exif_metadata_is_stripped_and_orientation_applied():
    instrument = f.InstrumentFactory()
    data = jpeg((400, 200), exif=exif_with_gps_and_orientation())
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()[0x010F] == "SecretCam"
    photo = services.instrument_photo_add(instrument=instrument, upload=upload(data), by=None)
    with Image.open(photo.image.path) as stored:
        assert len(stored.getexif()) == 0
        assert b"SecretCam" not in Path(photo.image.path).read_bytes()
        assert stored.size == (200, 400)  # turned upright before the tag was dropped


def test_transparent_png_keeps_its_format():
    photo = services.instrument_photo_add(instrument=f.InstrumentFactory(), upload=upload(png(), "a.png"), by=None)
    assert photo.image.name.endswith(".png")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", images.PHOTO_EMPTY),
        (b"this is not an image at all", images.PHOTO_NOT_IMAGE),
        (b"%PDF-1.4\n" + b"0" * 2000, images.PHOTO_NOT_IMAGE),
        (jpeg()[:600], images.PHOTO_DAMAGED),
    ],
    ids=["empty", "text", "pdf-named-jpg", "truncated"],
)
def test_non_images_and_damaged_images_are_refused(data, message):
    instrument = f.InstrumentFactory()
    with pytest.raises(ValidationError) as caught:
        services.instrument_photo_add(instrument=instrument, upload=upload(data), by=None)
    assert caught.value.messages == [str(message)]
    assert instrument.photos.count() == 0


def test_gif_is_refused_with_the_accepted_formats_named():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(ValidationError) as caught:
        images.photo_clean(upload(out.getvalue(), "a.gif"))
    assert caught.value.messages == [images.PHOTO_WRONG_FORMAT % {"format": "GIF"}]


def test_oversized_file_is_refused_before_decoding(settings):
    settings.PHOTO_MAX_BYTES = 10_000
    with pytest.raises(ValidationError) as caught:
        images.photo_clean(upload(b"\xff\xd8" + b"0" * 20_000))
    assert "at most" in caught.value.messages[0]


@pytest.mark.parametrize("side", [8_000, 20_000])
def test_decompression_bombs_are_refused_from_their_header(settings, side):
    # One-colour PNGs compress to a few hundred kB but decode to 64 MB and 400 MB:
    # the first exceeds our limit, the second Pillow's own bomb limit too.
    settings.PHOTO_MAX_PIXELS = 40_000_000
    bomb = io.BytesIO()
    Image.new("L", (side, side)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < settings.PHOTO_MAX_BYTES
    with pytest.raises(ValidationError) as caught:
        images.photo_clean(upload(bomb.getvalue(), "bomb.png"))
    if side == 8_000:
        expected = images.PHOTO_TOO_MANY_PIXELS % {"width": side, "height": side, "limit": 40.0}
    else:
        expected = images.PHOTO_BOMB % {"limit": 40.0}
    assert caught.value.messages == [expected]


def test_a_failed_save_leaves_no_files_behind(settings, monkeypatch):
    instrument = f.InstrumentFactory()

    def broken_save(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("instruments.models.InstrumentPhoto.save", broken_save)
    with pytest.raises(RuntimeError):
        services.instrument_photo_add(instrument=instrument, upload=upload(jpeg()), by=None)
    media = settings.MEDIA_ROOT
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_upload_page_reports_each_refused_file_and_keeps_the_good_ones(client):
    instrument = f.InstrumentFactory()
    client.force_login(f.lab_manager(instrument.lab))
    response = client.post(
        reverse("instruments:photo-upload", args=[instrument.code]),
        {"photos": [upload(jpeg(), "good.jpg"), upload(b"fake", "fake.jpg")], "caption": "正面"},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith("fake.jpg:") for t in texts)
    assert instrument.photos.count() == 1
    assert instrument.photos.get().caption == "正面"


def test_deleting_a_photo_removes_its_files(client, django_capture_on_commit_callbacks):
    instrument = f.InstrumentFactory()
    photo = services.instrument_photo_add(instrument=instrument, upload=upload(jpeg()), by=None)
    paths = [photo.image.path, photo.thumbnail.path]
    client.force_login(f.lab_manager(instrument.lab))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("instruments:photo-delete", args=[photo.pk]))
    assert instrument.photos.count() == 0
    assert not any(os.path.exists(p) for p in paths)


def test_others_cannot_add_or_delete_photos(client):
    instrument = f.InstrumentFactory()
    photo = services.instrument_photo_add(instrument=instrument, upload=upload(jpeg()), by=None)
    client.force_login(f.lab_manager())  # manages some other lab
    assert (
        client.post(
            reverse("instruments:photo-upload", args=[instrument.code]), {"photos": [upload(jpeg())]}
        ).status_code
        == 403
    )
    assert client.post(reverse("instruments:photo-delete", args=[photo.pk])).status_code == 403
    assert instrument.photos.count() == 1
