"""PDF/A-3 files for funders: Factur-X invoices and credit notes, plain PDF/A-3 for the
documents that are not invoices (quotes, periodic statements).

Rules kept:

* reportlab draws the page (DejaVu Sans embedded, see :mod:`voucher.documents.statement_pdf`);
  this module then adds what PDF/A-3 asks on top of it: an **sRGB output intent** (the
  profile is made by Pillow's littleCMS, ``ImageCms.createProfile("sRGB")``) and XMP metadata
  saying ``pdfaid:part 3`` / ``conformance B`` with the same title, producer and dates as
  the Info dictionary;
* a Factur-X file is made by the ``factur-x`` library (``generate_from_binary``): it checks
  the CII XML against the XSD of its profile, embeds it as ``factur-x.xml``
  (``AFRelationship /Data``) and writes the Factur-X XMP extension schema; the XML is built
  by :mod:`voucher.documents.facturx_xml` and checked here **before** anything is offered.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

PRODUCER = "Registre ouvert des pass numériques"
FACTURX_LEVEL = "en16931"


@cache
def srgb_profile() -> bytes:
    from PIL import ImageCms

    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def _output_intent(writer: PdfWriter) -> None:
    icc = DecodedStreamObject()
    icc.set_data(srgb_profile())
    icc[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(icc.flate_encode()),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])


def _xmp(title: str, at: datetime) -> bytes:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{escape(PRODUCER)}</rdf:li></rdf:Seq></dc:creator>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{escape(PRODUCER)}</pdf:Producer>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{escape(PRODUCER)}</xmp:CreatorTool>
   <xmp:CreateDate>{stamp}</xmp:CreateDate>
   <xmp:ModifyDate>{stamp}</xmp:ModifyDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def _pdf_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def _writer(pdf: bytes, title: str, at: datetime, producer: str = PRODUCER) -> PdfWriter:
    """The reportlab file with an output intent, and an Info dictionary holding only what
    the XMP metadata repeats (PDF/A wants both to agree: reportlab's ``Subject``,
    ``Keywords`` and ``Trapped`` have no XMP twin, so they go)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    _output_intent(writer)
    writer.metadata = {
        "/Title": title,
        "/Author": PRODUCER,
        "/Creator": PRODUCER,
        "/Producer": producer,
        "/CreationDate": _pdf_date(at),
        "/ModDate": _pdf_date(at),
    }
    writer._root_object[NameObject("/Lang")] = TextStringObject("fr-FR")
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdfa3(pdf: bytes, title: str, at: datetime) -> bytes:
    """A plain PDF/A-3b: output intent and XMP metadata added to a reportlab PDF."""
    writer = _writer(pdf, title, at)
    meta = DecodedStreamObject()
    meta.set_data(_xmp(title, at))
    meta[NameObject("/Type")] = NameObject("/Metadata")
    meta[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(meta)
    return _bytes(writer)


def facturx(pdf: bytes, xml: bytes, title: str, subject: str, at: datetime) -> bytes:
    """A Factur-X PDF/A-3 (profile EN 16931): the library checks the XML against its XSD
    and embeds it; the output intent comes from :func:`_writer`."""
    from facturx import generate_from_binary

    # the library writes its XMP with the producer « pypdf » (the tool that writes the
    # file last): the Info dictionary says the same
    base = _bytes(_writer(pdf, title, at, producer="pypdf"))
    made = bytes(
        generate_from_binary(
            base,
            xml,
            flavor="factur-x",
            level=FACTURX_LEVEL,
            check_xsd=True,
            pdf_metadata={
                "author": PRODUCER,
                "keywords": "Factur-X",
                "title": title,
                "subject": subject,
            },
            lang="fr-FR",
        )
    )
    # the library's Info has Keywords its XMP does not repeat: PDF/A wants them equal
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(made)))
    info = dict(writer.metadata or {})
    info.pop("/Keywords", None)
    writer.metadata = info
    return _bytes(writer)
