"""Sidecars in the shapes digiKam and Lightroom Classic write, built from their published
schemas (MWG regions 2.0, Adobe XMP, digiKam's namespace): another program's keywords, named
face regions, rating, description and edit settings."""

from __future__ import annotations

_RDF = '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
_REGION = ('<rdf:li><rdf:Description mwg-rs:Name="{name}" mwg-rs:Type="Face">'
           '<mwg-rs:Area stArea:x="{x}" stArea:y="{y}" stArea:w="{w}" stArea:h="{h}" '
           'stArea:unit="normalized"/></rdf:Description></rdf:li>')


def _regions(regions) -> str:
    """MWG region list items from (name, (x, y, w, h) top-left corner box)."""
    return "".join(_REGION.format(name=n, x=f"{x + w / 2:.6g}", y=f"{y + h / 2:.6g}", w=w, h=h)
                   for n, (x, y, w, h) in regions)


def digikam(keywords=("Lisbon", "Ben"), regions=(("Ben", (0.6, 0.35, 0.2, 0.3)),),
            description="Tram 28 at dusk", rating=4) -> str:
    subject = "".join(f"<rdf:li>{k}</rdf:li>" for k in keywords)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 {_RDF}
  <rdf:Description rdf:about=""
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
   xmp:Rating="{rating}">
   <digiKam:TagsList><rdf:Seq><rdf:li>Trips/Lisbon</rdf:li><rdf:li>People/Ben</rdf:li>
   </rdf:Seq></digiKam:TagsList>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="80" stDim:h="60" stDim:unit="pixel"/>
    <mwg-rs:RegionList><rdf:Bag>{_regions(regions)}</rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>
   <dc:subject><rdf:Bag>{subject}</rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>Trips|Lisbon</rdf:li><rdf:li>People|Ben</rdf:li>
   </rdf:Bag></lr:hierarchicalSubject>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt>
   </dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def lightroom(keywords=("Fjord",), regions=(("Carla", (0.2, 0.2, 0.2, 0.2)),)) -> str:
    subject = "".join(f"<rdf:li>{k}</rdf:li>" for k in keywords)
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000">
 {_RDF}
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    xmlns:stDim="http://ns.adobe.com/xap/1.0/sType/Dimensions#"
   xmp:Rating="5"
   xmp:Label="Red"
   crs:Version="15.0"
   crs:Exposure2012="+0.50"
   crs:WhiteBalance="As Shot">
   <dc:subject><rdf:Bag>{subject}</rdf:Bag></dc:subject>
   <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Norway|Fjord</rdf:li></rdf:Bag>
   </lr:hierarchicalSubject>
   <mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:AppliedToDimensions stDim:w="96" stDim:h="64" stDim:unit="pixel"/>
    <mwg-rs:RegionList><rdf:Bag>{_regions(regions)}</rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""
