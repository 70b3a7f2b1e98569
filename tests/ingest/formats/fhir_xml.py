"""FHIR XML -> FHIR JSON for the official UK Core examples (published in XML only).

The rules of the FHIR XML/JSON mapping that these examples need: an element with a `value`
attribute is a primitive; elements that may repeat are arrays in JSON (the ones these examples
use are listed); the narrative (`text`) is left out; decimals and booleans become JSON values.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

NS = "{http://hl7.org/fhir}"
REPEATING = {
    "coding", "identifier", "name", "given", "prefix", "extension", "component", "hasMember", "participant",
    "category", "performer", "line", "telecom", "address", "contact", "reaction", "manifestation",
    "dosageInstruction", "entry", "serviceType", "specialty", "reasonReference", "reasonCode", "note",
    "communication", "bodySite", "referenceRange", "supportingInformation", "authorizingPrescription",
    "basedOn", "partOf", "dayOfWeek", "when", "additionalInstruction", "doseAndRate", "appointmentType",
    "serviceCategory", "protocolApplied", "derivedFrom", "interpretation",
}  # fmt: skip
DECIMAL_PARENTS = {"valueQuantity", "quantity", "low", "high", "daysSupply", "doseQuantity"}


def _convert(element: ET.Element, parent: str = ""):
    name = element.tag.removeprefix(NS)
    children = [c for c in element if isinstance(c.tag, str) and c.tag.removeprefix(NS) != "text"]
    if "value" in element.attrib and not children:
        value = element.attrib["value"]
        if value in ("true", "false"):
            return value == "true"
        if name == "value" and parent in DECIMAL_PARENTS:
            return float(value) if "." in value else int(value)
        return value
    out: dict = {}
    if "url" in element.attrib:
        out["url"] = element.attrib["url"]
    for child in children:
        key = child.tag.removeprefix(NS)
        if key == "resource":
            inner = next(c for c in child if isinstance(c.tag, str))
            out[key] = to_json(inner)
            continue
        value = _convert(child, key)
        if key in REPEATING:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def to_json(root: ET.Element) -> dict:
    return {"resourceType": root.tag.removeprefix(NS), **_convert(root)}


def read(path: Path) -> dict:
    return to_json(ET.parse(path).getroot())
