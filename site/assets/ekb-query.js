// In-browser SPARQL over the published graph with Oxigraph (WebAssembly), served from this site.
// No CDN, no server: the module, the .wasm and the Turtle file are static files next to the page.
import init, * as oxigraph from "./vendor/oxigraph/web.js";

const root = document.getElementById("ekb-query");
const textarea = document.getElementById("ekb-sparql");
const runButton = document.getElementById("ekb-run");
const statusLine = document.getElementById("ekb-status");
const results = document.getElementById("ekb-results");
const description = document.getElementById("ekb-example-description");
const examples = JSON.parse(document.getElementById("ekb-examples").textContent).examples;

// Interface strings in the page's language (messages/site.toml [query]), with {placeholders}.
const WORDS = JSON.parse(root.dataset.words || "{}");
function say(key, values = {}) {
  return (WORDS[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("ekb-error", isError);
}

function showExample(index) {
  const example = examples[index];
  if (!example) return;
  textarea.value = example.query;
  description.textContent = example.description;
}

// Short names for result IRIs; an IRI of the knowledge base with a page on this site becomes a link.
const PREFIXES = [
  ["kb:", "https://w3id.org/evidencekb/id/"],
  ["ekb:", "https://w3id.org/evidencekb/ontology#"],
  ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
  ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
  ["xsd:", "http://www.w3.org/2001/XMLSchema#"],
  ["skos:", "http://www.w3.org/2004/02/skos/core#"],
  ["dcterms:", "http://purl.org/dc/terms/"],
  ["prov:", "http://www.w3.org/ns/prov#"],
  ["unit:", "http://qudt.org/vocab/unit/"],
  ["schema:", "https://schema.org/"],
];
let pageMap = {};

function shortName(iri) {
  for (const [prefix, namespace] of PREFIXES) {
    if (iri.startsWith(namespace)) return prefix + iri.slice(namespace.length);
  }
  return iri;
}

function cellFor(term) {
  // A SPARQL JSON results term: {type: "uri"|"literal"|"bnode", value, "xml:lang"?}.
  // Text is only ever set with textContent, never parsed as HTML.
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const code = document.createElement("code");
    code.textContent = shortName(term.value);
    code.title = term.value;
    const page = pageMap[term.value];
    if (page) {
      const a = document.createElement("a");
      a.href = root.dataset.root + page;
      a.className = "ekb-iri";
      a.appendChild(code);
      td.appendChild(a);
    } else {
      td.appendChild(code);
    }
  } else {
    td.appendChild(document.createTextNode(term.value));
    if (term["xml:lang"]) {
      const tag = document.createElement("span");
      tag.className = "ekb-lang";
      tag.textContent = term["xml:lang"];
      td.appendChild(tag);
    }
  }
  return td;
}

async function loadPageMap() {
  if (!root.dataset.pages) return;
  try {
    const response = await fetch(root.dataset.pages);
    if (response.ok) pageMap = await response.json();
  } catch (error) {
    pageMap = {}; // links are a convenience: results still show without them
  }
}

function renderTable(variables, rows) {
  results.replaceChildren();
  const wrap = document.createElement("div");
  wrap.className = "ekb-results-wrap";
  const table = document.createElement("table");
  table.className = "ekb-results";
  wrap.appendChild(table);
  const head = table.createTHead().insertRow();
  for (const name of variables) {
    const th = document.createElement("th");
    th.textContent = name;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.className = "ekb-result-row";
    for (const name of variables) tr.appendChild(cellFor(row[name]));
  }
  results.appendChild(wrap);
}

function run(store) {
  const query = textarea.value;
  const started = performance.now();
  try {
    let text;
    try {
      text = store.query(query, { results_format: "json" });
    } catch (formatError) {
      // CONSTRUCT and DESCRIBE return triples, which have no JSON results form: show N-Triples.
      const triples = store.query(query, { results_format: "ntriples" });
      const pre = document.createElement("pre");
      pre.textContent = triples;
      results.replaceChildren(pre);
      setStatus(say("triples", { ms: Math.round(performance.now() - started) }));
      return;
    }
    const data = JSON.parse(text);
    const ms = Math.round(performance.now() - started);
    if (typeof data.boolean === "boolean") {
      results.textContent = String(data.boolean);
      setStatus(`ASK: ${data.boolean} (${ms} ms)`);
      return;
    }
    const rows = data.results.bindings;
    renderTable(data.head.vars, rows);
    setStatus(say("rows", { n: rows.length, ms }));
  } catch (error) {
    results.replaceChildren();
    setStatus(say("error", { error }), true);
  }
}

async function main() {
  for (const button of document.querySelectorAll("button.ekb-example")) {
    button.addEventListener("click", () => showExample(Number(button.dataset.example)));
  }
  if (examples.length) description.textContent = examples[0].description;
  await Promise.all([init(), loadPageMap()]);
  const response = await fetch(root.dataset.graph);
  if (!response.ok) throw new Error(`cannot load the graph (${response.status})`);
  const store = new oxigraph.Store();
  store.load(await response.text(), { format: "text/turtle" });
  const count = store.size;
  runButton.disabled = false;
  runButton.addEventListener("click", () => run(store));
  setStatus(say("loaded", { n: count }));
  root.dataset.ready = "true";
}

main().catch((error) => setStatus(say("load_failed", { error }), true));
