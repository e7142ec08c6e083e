"""Writes case-v1p0.schema.json: the CASE 1.0 JSON binding's data types as a JSON Schema.

Written for this project from the 1EdTech (IMS Global) *CASE Service v1.0* REST/JSON binding
(the OpenAPI 2.0 description ``case-v1p0-swagger.json`` published with the specification,
https://www.imsglobal.org/spec/case/v1p0/ — definitions ``CFPackage.Type``, ``CFPckgDocument``,
``CFPckgItem``, ``CFPckgAssociation``, ``CFDocument``, ``CFItem``, ``CFAssociation``,
``CFDocumentSet``, ``CFDefinition``, ``LinkURI``, ``LinkGenURI``, ``UUID``,
``imsx_StatusInfo``): property names, types, required fields, enumerations, the UUID pattern,
``additionalProperties: false``. It is a transcription of those constraints, not a copy of the
file. Run ``python tests/schemas/make_case_schema.py`` to regenerate.
"""

import json
from pathlib import Path

S = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DT = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
STRS = {"type": "array", "items": S}
REF = lambda name: {"$ref": f"#/definitions/{name}"}  # noqa: E731


def obj(props: dict, required: list[str]) -> dict:
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


doc_props = {"identifier": REF("UUID"), "uri": URI, "creator": S, "title": S, "lastChangeDateTime": DT,
             "officialSourceURL": URI, "publisher": S, "description": S, "subject": STRS,
             "subjectURI": {"type": "array", "items": REF("LinkURI")}, "language": S, "version": S,
             "adoptionStatus": S, "statusStartDate": DATE, "statusEndDate": DATE, "licenseURI": REF("LinkURI"),
             "notes": S}
item_props = {"identifier": REF("UUID"), "fullStatement": S, "alternativeLabel": S, "CFItemType": S, "uri": URI,
              "humanCodingScheme": S, "listEnumeration": S, "abbreviatedStatement": S, "conceptKeywords": STRS,
              "conceptKeywordsURI": REF("LinkURI"), "notes": S, "language": S, "educationLevel": STRS,
              "CFItemTypeURI": REF("LinkURI"), "licenseURI": REF("LinkURI"), "statusStartDate": DATE,
              "statusEndDate": DATE, "lastChangeDateTime": DT}
assoc_props = {"identifier": REF("UUID"),
               "associationType": {"type": "string", "enum": ["isChildOf", "isPeerOf", "isPartOf", "exactMatchOf",
                                                              "precedes", "isRelatedTo", "replacedBy", "exemplar",
                                                              "hasSkillLevel"]},
               "sequenceNumber": {"type": "integer"}, "uri": URI, "originNodeURI": REF("LinkGenURI"),
               "destinationNodeURI": REF("LinkGenURI"), "CFAssociationGroupingURI": REF("LinkURI"),
               "lastChangeDateTime": DT}
definitions = {
    "UUID": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"},
    "LinkURI": obj({"title": S, "identifier": REF("UUID"), "uri": URI}, ["title", "identifier", "uri"]),
    "LinkGenURI": obj({"title": S, "identifier": S, "uri": URI}, ["title", "identifier", "uri"]),
    "CFPckgDocument": obj(doc_props, ["identifier", "uri", "creator", "title", "lastChangeDateTime"]),
    "CFPckgItem": obj(item_props, ["identifier", "fullStatement", "uri", "lastChangeDateTime"]),
    "CFPckgAssociation": obj(assoc_props, ["identifier", "associationType", "uri", "originNodeURI",
                                           "destinationNodeURI", "lastChangeDateTime"]),
    "CFDocument": obj({**doc_props, "CFPackageURI": REF("LinkURI")},
                      ["identifier", "uri", "creator", "title", "lastChangeDateTime"]),
    "CFItem": obj({**item_props, "CFDocumentURI": REF("LinkURI")}, ["identifier", "fullStatement", "uri", "lastChangeDateTime"]),
    "CFAssociation": obj({**assoc_props, "CFDocumentURI": REF("LinkURI")},
                         ["identifier", "associationType", "uri", "originNodeURI", "destinationNodeURI", "lastChangeDateTime"]),
    "CFDocumentSet": obj({"CFDocuments": {"type": "array", "items": REF("CFDocument")}}, ["CFDocuments"]),
    "CFItemType": obj({"identifier": REF("UUID"), "uri": URI, "title": S, "description": S, "hierarchyCode": S,
                       "typeCode": S, "lastChangeDateTime": DT},
                      ["identifier", "uri", "title", "description", "hierarchyCode", "lastChangeDateTime"]),
    "CFAssociationGrouping": obj({"identifier": REF("UUID"), "uri": URI, "title": S, "description": S,
                                  "lastChangeDateTime": DT}, ["identifier", "uri", "title", "lastChangeDateTime"]),
    "CFDefinition": obj({"CFConcepts": {"type": "array"}, "CFSubjects": {"type": "array"},
                         "CFLicenses": {"type": "array"},
                         "CFItemTypes": {"type": "array", "items": REF("CFItemType")},
                         "CFAssociationGroupings": {"type": "array", "items": REF("CFAssociationGrouping")}}, []),
    "CFPackage": obj({"CFDocument": REF("CFPckgDocument"), "CFItems": {"type": "array", "items": REF("CFPckgItem")},
                      "CFAssociations": {"type": "array", "items": REF("CFPckgAssociation")},
                      "CFDefinitions": REF("CFDefinition"), "CFRubrics": {"type": "array"}}, ["CFDocument"]),
    "imsx_StatusInfo": obj({
        "imsx_codeMajor": {"type": "string", "enum": ["success", "processing", "failure", "unsupported"]},
        "imsx_severity": {"type": "string", "enum": ["status", "warning", "error"]},
        "imsx_description": S,
        "imsx_codeMinor": obj({"imsx_codeMinorField": {"type": "array", "minItems": 1, "items": obj({
            "imsx_codeMinorFieldName": S,
            "imsx_codeMinorFieldValue": {"type": "string", "enum": [
                "fullsuccess", "invalid_sort_field", "invalid_selection_field", "forbidden", "unauthorisedrequest",
                "internal_server_error", "unknownobject", "server_busy", "invaliduuid"]}},
            ["imsx_codeMinorFieldName", "imsx_codeMinorFieldValue"])}}, ["imsx_codeMinorField"]),
    }, ["imsx_codeMajor", "imsx_severity"]),
}
schema = {"$schema": "http://json-schema.org/draft-07/schema#",
          "$comment": "CASE 1.0 JSON binding data types, transcribed for cipt-graph's tests (see make_case_schema.py)",
          "definitions": definitions, "$ref": "#/definitions/CFPackage"}

if __name__ == "__main__":
    out = Path(__file__).with_name("case-v1p0.schema.json")
    out.write_text(json.dumps(schema, indent=1) + "\n", encoding="utf-8")
