// Reads Turtle on stdin with N3.js and rdflib.js; prints {"n3": count|error, "rdflib": count|error}
// as JSON. Test scaffolding for tests/test_web_outputs.py: each parser must read every Turtle
// answer of the service to the same number of triples as rdflib (Python) does.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const N3 = require("n3");
const $rdf = require("rdflib");
const text = readFileSync(0, "utf8");
const base = process.argv[2] || "http://example.org/";
const out = {};
try {
  out.n3 = new N3.Parser({ format: "text/turtle", baseIRI: base }).parse(text).length;
} catch (err) {
  out.n3 = "error: " + err.message;
}
try {
  const store = $rdf.graph();
  $rdf.parse(text, store, base, "text/turtle");
  out.rdflib = store.statements.length;
} catch (err) {
  out.rdflib = "error: " + String(err.message || err).slice(0, 500);
}
process.stdout.write(JSON.stringify(out));
