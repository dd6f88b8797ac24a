"""Reading the PDFs the documents are made into, for tests."""

import contextlib
import re
import zlib

# pydyf frames a stream's bytes as b"stream\n" + data + b"\nendstream". The data is
# binary: it may end in b"\r", which a pattern taking "\r?\n" as the line end would strip.
STREAM = re.compile(rb"\bstream\n(.*?)\nendstream", re.S)


def streams(pdf: bytes) -> bytes:
    """The PDF's objects as text: WeasyPrint packs them into compressed object streams."""
    out = [pdf]
    for raw in STREAM.findall(pdf):
        with contextlib.suppress(zlib.error):  # a stream that is not deflated
            out.append(zlib.decompressobj().decompress(raw))
    return b"\n".join(out)
