"""The CASE 1.0 REST endpoints of `cipt serve` (issue #17), exercised by a client written from
the CASE Service v1.0 REST binding: base path /ims/case/v1p0, GET only, JSON bodies of the
binding's types, failures as imsx_StatusInfo with the binding's status and minor codes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "case-v1p0.schema.json").read_text(encoding="utf-8"))
BASE = "/ims/case/v1p0"


class CaseClient:
    """A minimal CASE 1.0 consumer: reads the provider's documents, packages, items, associations."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url + BASE, timeout=60)

    def get(self, path: str, **params) -> httpx.Response:
        return self.http.get(path, params=params, headers={"Accept": "application/json"})

    def ok(self, path: str, definition: str, **params) -> dict:
        r = self.get(path, **params)
        assert r.status_code == 200, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        check(definition, body)
        return body

    def fails(self, path: str, status: int, minor: str, method: str = "GET", **params) -> dict:
        r = self.http.request(method, path, params=params)
        assert r.status_code == status, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()
        check("imsx_StatusInfo", body)
        assert body["imsx_codeMajor"] in ("failure", "unsupported") and body["imsx_severity"] == "error"
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor
        return body


def check(definition: str, body) -> None:
    schema = {**SCHEMA, "$ref": f"#/definitions/{definition}"}
    found = [e.message for e in jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(body)]
    assert found == [], found


@pytest.fixture(scope="module")
def client(server_url):
    return CaseClient(server_url)


@pytest.fixture(scope="module")
def package(client):
    (doc,) = client.ok("/CFDocuments", "CFDocumentSet")["CFDocuments"]
    return client.ok(f"/CFPackages/{doc['identifier']}", "CFPackage")


def test_documents_list(client):
    r = client.get("/CFDocuments")
    assert r.headers["X-Total-Count"] == "1"
    (doc,) = r.json()["CFDocuments"]
    assert doc["uri"] == "https://w3id.org/cipt-graph/id/certification/RNCP38175"
    assert doc["CFPackageURI"]["identifier"] == doc["identifier"]
    assert client.ok(f"/CFDocuments/{doc['identifier']}", "CFDocument") == doc


def test_documents_list_selection(client):
    assert client.ok("/CFDocuments", "CFDocumentSet", filter="title~'science'")["CFDocuments"]
    r = client.get("/CFDocuments", filter="title='nothing like it'")
    assert r.json() == {"CFDocuments": []} and r.headers["X-Total-Count"] == "0"
    only = client.get("/CFDocuments", fields="identifier,title").json()["CFDocuments"][0]
    assert set(only) == {"identifier", "title"}
    assert client.ok("/CFDocuments", "CFDocumentSet", sort="title", orderBy="desc", limit=1, offset=0)["CFDocuments"]
    assert client.get("/CFDocuments", offset=1).json() == {"CFDocuments": []}


def test_every_item_and_association_answers_on_its_own(client, package):
    doc = package["CFDocument"]
    for item in package["CFItems"]:
        got = client.ok(f"/CFItems/{item['identifier']}", "CFItem")
        assert got == {**item, "CFDocumentURI": {"title": doc["title"], "identifier": doc["identifier"], "uri": doc["uri"]}}
    for assoc in package["CFAssociations"][:40]:
        got = client.ok(f"/CFAssociations/{assoc['identifier']}", "CFAssociation")
        assert {k: v for k, v in got.items() if k != "CFDocumentURI"} == assoc


def test_item_associations(client, package):
    block = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "BC05")
    r = client.get(f"/CFItemAssociations/{block['identifier']}").json()
    assert r["CFItem"]["uri"] == block["uri"]
    assert r["CFAssociations"] and all(block["identifier"] in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
                                       for a in r["CFAssociations"])


def test_definitions(client, package):
    for t in package["CFDefinitions"]["CFItemTypes"]:
        assert client.get(f"/CFItemTypes/{t['identifier']}").json() == {"CFItemTypes": [t]}
    for g in package["CFDefinitions"]["CFAssociationGroupings"]:
        assert client.get(f"/CFAssociationGroupings/{g['identifier']}").json() == g


@pytest.mark.parametrize("kind", ["CFDocuments", "CFPackages", "CFItems", "CFAssociations", "CFItemAssociations"])
def test_unknown_and_invalid_identifiers(client, kind):
    client.fails(f"/{kind}/2c1b9e4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", 404, "unknownobject")
    client.fails(f"/{kind}/not-a-uuid", 404, "invaliduuid")
    client.fails(f"/{kind}/2C1B9E4E-5F6A-4B7C-8D9E-0F1A2B3C4D5E", 404, "invaliduuid")


def test_bad_selection_fields(client):
    client.fails("/CFDocuments", 400, "invalid_sort_field", sort="colour")
    client.fails("/CFDocuments", 400, "invalid_selection_field", orderBy="sideways")
    client.fails("/CFDocuments", 400, "invalid_selection_field", limit=0)
    client.fails("/CFDocuments", 400, "invalid_selection_field", filter="colour='red'")
    client.fails("/CFDocuments", 400, "invalid_selection_field", filter="title is science")
    client.fails("/CFDocuments", 400, "invalid_selection_field", fields="identifier,colour")
    client.fails("/CFDocuments", 400, "invalid_selection_field", limit="many")


def test_read_only_and_unknown_endpoints(client, package):
    ident = package["CFDocument"]["identifier"]
    for method in ("POST", "PUT", "DELETE"):
        body = client.fails(f"/CFPackages/{ident}", 405, "forbidden", method=method)
        assert body["imsx_codeMajor"] == "unsupported"
    client.fails("/CFRubricsAndMore/whatever", 404, "unknownobject")
