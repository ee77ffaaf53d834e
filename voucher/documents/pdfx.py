"""The PDF/X-4 declarations of a print file: the output intent with its ICC profile, the
version markers and the XMP metadata a print shop's preflight reads.

Rules kept:

* the output intent names the registered printing condition **FOGRA39** (offset on coated
  paper, ISO 12647-2) and embeds its ICC profile as ``DestOutputProfile``
  (``voucher/documents/icc/``, made from Fogra's characterization data, zlib licence);
* the file says it is PDF/X-4 in its Info dictionary and in its XMP metadata
  (``GTS_PDFXVersion``), both with the same title, dates, producer and ``Trapped False``;
  the header is PDF 1.6, the version PDF/X-4 is built on;
* the rest of what PDF/X-4 asks (CMYK only, fonts embedded, trim and bleed boxes inside
  the media box) is kept by :mod:`voucher.documents.carnet_pdf` and checked by the tests;
* output stays deterministic: the XMP dates are the document's own (invariant) time stamp
  and its document id is derived from its title.
"""

from __future__ import annotations

import uuid
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCatalog,
    PDFDate,
    PDFDictionary,
    PDFInfo,
    PDFName,
    PDFStream,
    PDFString,
    PDFZCompress,
)
from reportlab.pdfgen.canvas import Canvas

PDFX_VERSION = "PDF/X-4"
PDF_VERSION = (1, 6)
OUTPUT_CONDITION = "FOGRA39"
OUTPUT_INFO = "Offset, papier couché (FOGRA39, ISO 12647-2:2004/Amd 1)"
CREATOR = "Registre ouvert des pass numériques"
PROFILE = Path(__file__).resolve().parent / "icc" / "FOGRA39L_coated.icc"


@cache
def profile() -> bytes:
    return PROFILE.read_bytes()


class PDFXInfo(PDFInfo):
    """The Info dictionary with the PDF/X version key."""

    def format(self, document):
        date = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
        entries = {
            "Title": PDFString(self.title),
            "Author": PDFString(self.author),
            "Subject": PDFString(self.subject),
            "Creator": PDFString(self.creator),
            "Producer": PDFString(self.producer),
            "CreationDate": date,
            "ModDate": date,
            "Trapped": PDFName("False"),
            "GTS_PDFXVersion": PDFString(PDFX_VERSION),
        }
        return PDFDictionary(entries).format(document)


def prepress(canvas: Canvas, title: str, subject: str) -> None:
    """Output intent (with its profile), PDF/X Info keys and XMP metadata on the document."""
    doc = canvas._doc
    canvas.setCreator(CREATOR)
    info = PDFXInfo()
    info.__dict__.update(doc.info.__dict__)
    info.title, info.subject, info.creator = title, subject, CREATOR
    doc.info = info
    icc = PDFStream(PDFDictionary({"N": 4}), profile(), filters=[PDFZCompress])
    intent = PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFX"),
            "OutputConditionIdentifier": PDFString(OUTPUT_CONDITION),
            "OutputCondition": PDFString(OUTPUT_INFO),
            "RegistryName": PDFString("http://www.color.org"),
            "Info": PDFString(OUTPUT_INFO),
            "DestOutputProfile": doc.Reference(icc),
        }
    )
    catalog = doc.Catalog
    catalog.__NoDefault__ = [*PDFCatalog.__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = PDFArray([intent])
    metadata = PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")})
    catalog.Metadata = PlainStream(metadata, xmp(doc, info))


class PlainStream(PDFStream):
    """A stream written as it is, with no ``Filter`` key: a preflight reads the XMP
    packet without decoding anything."""

    def format(self, document):
        content = self.content
        dictionary = PDFDictionary({**self.dictionary.dict, "Length": len(content)})
        return dictionary.format(document) + b"\nstream\n" + content + b"\nendstream\n"


def xmp(doc: object, info: PDFInfo) -> bytes:
    """The XMP packet, saying what the Info dictionary says."""
    stamp = doc._timeStamp  # type: ignore[attr-defined]
    y, mo, d, h, mi, s = stamp.YMDhms
    when = f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{stamp.dhh:+03d}:{stamp.dmm:02d}"
    doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"voucher:{info.title}")
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(info.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{escape(info.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(info.subject)}</rdf:li></rdf:Alt></dc:description>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
   <xmp:CreatorTool>{escape(CREATOR)}</xmp:CreatorTool>
   <pdf:Producer>{escape(info.producer)}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <pdfxid:GTS_PDFXVersion>{PDFX_VERSION}</pdfxid:GTS_PDFXVersion>
   <xmpMM:DocumentID>uuid:{doc_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>uuid:{doc_id}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()
