"""Checking and cleaning uploaded photos with Pillow.

An upload is refused unless Pillow can decode it completely as JPEG, PNG or WebP
within the size and pixel limits. Accepted images are re-encoded from their pixels,
which drops EXIF and every other embedded metadata (GPS positions, serial numbers).
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (480, 360)

PHOTO_EMPTY = _("The file is empty.")
PHOTO_TOO_LARGE = _("The file is %(size)s; a photo may be at most %(limit)s.")
PHOTO_NOT_IMAGE = _("This file is not an image (JPEG, PNG or WebP expected).")
PHOTO_WRONG_FORMAT = _("%(format)s images are not accepted; upload JPEG, PNG or WebP.")
PHOTO_TOO_MANY_PIXELS = _(
    "The image is %(width)s×%(height)s pixels; at most %(limit)s million pixels are allowed. Scale it down first."
)
PHOTO_BOMB = _("The image has far more pixels than allowed (at most %(limit)s million). Scale it down first.")
PHOTO_DAMAGED = _("The image is damaged or truncated and cannot be read completely.")


@dataclass(frozen=True)
class CleanPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def photo_clean(upload) -> CleanPhoto:
    """Validate an uploaded file and return metadata-free image and thumbnail files.

    Raises ValidationError with a message a person can act on.
    """
    limit = settings.PHOTO_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(PHOTO_TOO_LARGE, params={"size": filesizeformat(size), "limit": filesizeformat(limit)})
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError(PHOTO_EMPTY)
    if len(data) > limit:
        raise ValidationError(
            PHOTO_TOO_LARGE, params={"size": filesizeformat(len(data)), "limit": filesizeformat(limit)}
        )

    image = _open_checked(data)
    ext = ACCEPTED_FORMATS[image.format]
    image = ImageOps.exif_transpose(image)
    return CleanPhoto(
        image=ContentFile(_encode(image, ext), name=f"photo.{ext}"),
        thumbnail=ContentFile(_encode(_thumbnail(image), "jpg"), name="thumb.jpg"),
        width=image.width,
        height=image.height,
    )


def _open_checked(data: bytes) -> Image.Image:
    max_pixels = settings.PHOTO_MAX_PIXELS
    with warnings.catch_warnings():
        # Pillow only warns below twice its own bomb limit; treat the warning as fatal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            # The header gives the size before any pixel is decoded: refuse bombs here.
            if probe.width * probe.height > max_pixels:
                raise ValidationError(
                    PHOTO_TOO_MANY_PIXELS,
                    params={"width": probe.width, "height": probe.height, "limit": round(max_pixels / 1e6, 1)},
                )
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(PHOTO_WRONG_FORMAT, params={"format": probe.format})
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(PHOTO_BOMB, params={"limit": round(max_pixels / 1e6, 1)}) from None
        except UnidentifiedImageError:
            raise ValidationError(PHOTO_NOT_IMAGE) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(PHOTO_DAMAGED) from None
    return image


def _encode(image: Image.Image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "jpg":
        _flatten(image).save(out, "JPEG", quality=88, optimize=True)
    elif ext == "png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=88)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> Image.Image:
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE)
    return thumb


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent parts become white."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
