// The calculator: the council's answer for one patient, computed in the browser (no server).
//
// Not a second implementation of the rules: the graph's rules are evaluated by the SAME query files as
// `evidencekb recommend` (queries/recommend/*.rq, queries/explain/*.rq, copied into the site at build time),
// run by Oxigraph (WebAssembly) on the published graph. This script does what the Python around those
// queries does — recommend/facts.py (calendar arithmetic: six-month date, whole months, days; the IgG unit),
// recommend/rules.py (which query, which bindings, caching), recommend/evaluate.py (the orchestration: start
// query → implied course → stop query → rule info → stop dates) and recommend/explain.py (sentences from the
// message catalogue, numbers from the graph) — line by line in the same order, so that a change to the
// rules in the data or the queries changes this page's answers too.
// Values are bound as RDF terms built by Oxigraph (`literal(...)`, `namedNode(...)`, serialised with
// toString(), which escapes them): one-row bindings exactly as evidencekb.sparql.bind.bind_terms (positions
// of variables and groups found at build time by rdflib's SPARQL grammar, shipped in queries.json), many
// rows as a VALUES block opening the WHERE clause as evidencekb.sparql.core.inline_values. User text is
// never pasted into a query. Text goes into the page with textContent only.
import init, * as ox from "./vendor/oxigraph/web.js";

const XSD = "http://www.w3.org/2001/XMLSchema#";
const EKB = "https://w3id.org/evidencekb/ontology#";
const UNIT = "http://qudt.org/vocab/unit/";

const root = document.getElementById("ekb-calc");
const form = document.getElementById("ekb-calc-form");
const submit = document.getElementById("ekb-calc-submit");
const statusLine = document.getElementById("ekb-calc-status");
const errorBox = document.getElementById("ekb-calc-errors");
const resultBox = document.getElementById("ekb-calc-result");
const { messages: M, config: CONFIG } = JSON.parse(document.getElementById("ekb-calc-data").textContent);
const LANG = CONFIG.lang;

// --- messages (evidencekb.messages: str.format-style {placeholders}) ----------------------------------

function fmt(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
function m(key, values = {}) {
  if (!(key in M)) throw new Error(`no message ${key}`);
  return fmt(M[key], values);
}
const r = (key, values) => m(`recommend.${key}`, values);
const c = (key, values) => m(`calculator.${key}`, values);

// messages.number(Decimal(str(x)).normalize(), lang): plain digits, no trailing zeros, decimal comma in Danish
function num(value) {
  let text = String(value);
  if (/[eE]/.test(text)) text = Number(text).toFixed(12);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  if (text === "-0" || text === "") text = "0";
  return LANG === "da" ? text.replace(".", ",") : text;
}

// --- query files and bindings --------------------------------------------------------------------------

let store = null;
let QUERIES = {};
const TEXTS = {};

const term = {
  iri: (value) => ox.namedNode(value),
  string: (value) => ox.literal(value),
  integer: (value) => ox.literal(String(value), ox.namedNode(XSD + "integer")),
  boolean: (value) => ox.literal(value ? "true" : "false", ox.namedNode(XSD + "boolean")),
  decimal: (text) => ox.literal(text, ox.namedNode(XSD + "decimal")),
};

function checkTerm(name, value) {
  // evidencekb.sparql.bind.check_term
  if (value.termType === "NamedNode" && /[\s<>"{}|\\^`]/.test(value.value)) {
    throw new Error(`refusing to bind an invalid IRI to ?${name}`);
  }
  if (value.termType !== "NamedNode" && value.termType !== "Literal") {
    throw new Error(`?${name}: cannot bind a ${value.termType}`);
  }
}

function valuesRow(bindings) {
  // evidencekb.sparql.bind.values_row
  const names = Object.keys(bindings).sort();
  return `VALUES (${names.map((n) => "?" + n).join(" ")}) { (${names.map((n) => bindings[n].toString()).join(" ")}) }`;
}

function bindTerms(name, bindings) {
  // evidencekb.sparql.bind.bind_terms, on the positions the build found with rdflib's grammar
  const text = TEXTS[name];
  const names = Object.keys(bindings || {});
  if (!names.length) return text;
  const facts = QUERIES[name];
  for (const n of names) checkTerm(n, bindings[n]);
  const computed = facts.occurrences.find((o) => names.includes(o.name) && o.computed);
  if (computed) throw new Error(`?${computed.name} is computed by the query and cannot be bound`);
  const block = valuesRow(bindings);
  const everyGroup = facts.occurrences.some((o) => names.includes(o.name) && o.assigned);
  const edits = [];
  if (everyGroup) {
    for (const p of facts.groups) edits.push([p + 1, p + 1, "\n" + block + "\n"]);
  } else {
    for (const o of facts.occurrences) {
      if (names.includes(o.name) && !o.keep) edits.push([o.start, o.end, bindings[o.name].toString()]);
    }
    if (facts.form === "SELECT" && facts.where !== null) edits.push([facts.where + 1, facts.where + 1, "\n" + block + "\n"]);
  }
  edits.sort((a, b) => b[0] - a[0] || b[1] - a[1] || (a[2] < b[2] ? 1 : a[2] > b[2] ? -1 : 0));
  let out = text;
  for (const [start, end, replacement] of edits) out = out.slice(0, start) + replacement + out.slice(end);
  return out;
}

function inlineValues(name, rows) {
  // evidencekb.sparql.core.inline_values / values_block
  const text = TEXTS[name];
  if (!rows.length) return text;
  const match = /\bWHERE\s*\{/i.exec(text);
  if (!match) throw new Error("cannot bind values: the query has no WHERE clause");
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();
  const lines = rows.map((row) => "(" + names.map((n) => {
    if (row[n] === undefined || row[n] === null) return "UNDEF";
    checkTerm(n, row[n]);
    return row[n].toString();
  }).join(" ") + ")");
  const block = `VALUES (${names.map((n) => "?" + n).join(" ")}) {\n${lines.join("\n")}\n}\n`;
  const at = match.index + match[0].length;
  return text.slice(0, at) + "\n" + block + text.slice(at);
}

function plain(value) {
  if (!value) return null;
  return { type: value.termType, value: value.value, language: value.language || "",
           datatype: value.datatype ? value.datatype.value : "", toString: () => value.value };
}

function run(text) {
  return store.query(text).map((row) => {
    const out = {};
    for (const [key, value] of row) out[key] = plain(value);
    return out;
  });
}
const select = (name, bindings) => run(bindTerms(name, bindings));       // engine.select(query, {…})
const selectMany = (name, rows) => run(inlineValues(name, rows));        // rules.select_many
const str = (node) => (node ? node.value : null);

// --- calendar arithmetic (recommend/facts.py: relativedelta, clamped to the month's end) ---------------

function parseDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  if (!match) return null;
  const [y, mo, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date;
}
const iso = (date) => date.toISOString().slice(0, 10);
function addMonths(date, months) {
  const y = date.getUTCFullYear();
  const total = date.getUTCMonth() + months;
  const year = y + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(date.getUTCDate(), last)));
}
const addDays = (date, days) => new Date(date.getTime() + days * 86400000);
const CALENDAR = { [UNIT + "MO"]: "months", [UNIT + "YR"]: "years", [UNIT + "DAY"]: "days", [UNIT + "WK"]: "weeks" };

function shift(start, offset, unit) {
  // facts.shift
  if (offset === null || offset === undefined || unit === null || unit === undefined) return start;
  const name = CALENDAR[String(unit)];
  if (!name) throw new Error(`the knowledge base uses a time unit the calculator cannot compute: ${unit}`);
  const amount = Number(String(offset));
  if (!Number.isInteger(amount)) throw new Error(`the knowledge base uses a fractional time offset: ${offset}`);
  if (name === "months") return addMonths(start, amount);
  if (name === "years") return addMonths(start, 12 * amount);
  return addDays(start, name === "weeks" ? 7 * amount : amount);
}

function monthsBetween(start, end) {
  // facts.months_between: whole calendar months n with start + n months ≤ end, and whether it lands on end
  let months = Math.max((end.getUTCFullYear() - start.getUTCFullYear()) * 12
    + end.getUTCMonth() - start.getUTCMonth() - 2, 0);
  while (addMonths(start, months + 1) <= end) months += 1;
  return [months, addMonths(start, months).getTime() === end.getTime()];
}
const daysBetween = (start, end) => Math.round((end - start) / 86400000);

// --- decimals (IgG: patient.py's Decimal arithmetic on the digits typed) -------------------------------

function decimalText(input) {
  // "3,2" or "3.2" → "3.2"; null when not a plain number
  const text = String(input).trim().replace(",", ".");
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) return null;
  let [whole, fraction = ""] = text.replace(/^\+/, "").split(".");
  const negative = whole.startsWith("-");
  whole = whole.replace("-", "").replace(/^0+(?=\d)/, "") || "0";
  fraction = fraction.slice(0, 12).replace(/0+$/, "");  // patient.MAX_DECIMALS
  const out = fraction ? `${whole}.${fraction}` : whole;
  return negative && /[1-9]/.test(out) ? "-" + out : out;
}
function divideBy100(text) {
  // mg/dL → g/L (patient.UNITS): move the decimal point, no binary floating point
  const [whole, fraction = ""] = text.split(".");
  const digits = whole.padStart(3, "0");
  const out = `${digits.slice(0, -2).replace(/^0+(?=\d)/, "")}.${digits.slice(-2)}${fraction}`;
  return out.replace(/0+$/, "").replace(/\.$/, "");
}

// --- the rule book (recommend/rules.py) ----------------------------------------------------------------

const book = { therapy: {}, info: {}, hypothetical: {} };

function loadRuleBook() {
  const boundary = select("recommend/phase-boundary");
  if (!boundary.length) throw new Error("the knowledge base has no council start window with an end");
  book.boundary = boundary[0];
  book.populations = select("recommend/populations").map((row) => ({
    population: str(row.population), code: str(row.code),
    low: row.fromAge ? Number(row.fromAge.value) : null, high: row.belowAge ? Number(row.belowAge.value) : null,
  }));
  book.codes = {};
  for (const row of select("recommend/codes")) {
    book.codes[`${str(row.scheme).split("#").pop()}|${str(row.code)}`] = str(row.concept);
  }
  const recovery = select("explain/recovery-criterion");
  book.recoveryRule = recovery.length ? str(recovery[0].rule) : null;
  book.units = {};
  for (const row of select("explain/units")) {
    const unit = (book.units[str(row.unit)] ||= { symbol: row.symbol ? str(row.symbol) : null, labels: {} });
    if (row.label && row.label.language && !(row.label.language in unit.labels)) unit.labels[row.label.language] = row.label.value;
  }
  book.whyLines = {};
  for (const row of select("explain/why-lines")) {
    const rule = str(row.rule);
    if (rule in book.whyLines) continue;
    const line = {};
    for (const [key, value] of Object.entries(row)) if (value) line[key] = value.value;
    book.whyLines[rule] = line;
  }
  book.therapyNames = [];
  const seen = new Set();
  for (const row of select("recommend/therapy-names")) {
    const name = str(row.name);
    if (!seen.has(name.toLowerCase())) { seen.add(name.toLowerCase()); book.therapyNames.push(name); }
  }
}

function code(scheme, notation) {
  const concept = book.codes[`${scheme}|${notation}`];
  if (!concept) throw new Error(`the knowledge base has no code ${notation} in ekb:${scheme}`);
  return concept;
}

function population(age) {
  for (const p of book.populations) {
    if ((p.low === null || age >= p.low) && (p.high === null || age < p.high)) return p;
  }
  return null;
}

function resolveTherapy(text) {
  const key = text.split(/\s+/).filter(Boolean).join(" ").toLowerCase();
  if (!(key in book.therapy)) {
    const rows = select("recommend/therapy-class", { input: term.string(key) });
    const classes = new Set(rows.map((row) => str(row.therapyClass)));
    if (classes.size !== 1) return null;
    const row = rows[0];
    book.therapy[key] = { therapyClass: str(row.therapyClass), code: str(row.classCode),
                          product: row.product ? str(row.product) : null,
                          productName: row.productName ? str(row.productName) : null };
  }
  return book.therapy[key];
}

function hypotheticalBasis(startRule, infections) {
  const key = `${startRule}|${infections}`;
  if (!(key in book.hypothetical)) {
    const rows = select("recommend/hypothetical-start",
      { startRule: term.iri(startRule), infections: term.boolean(infections) });
    book.hypothetical[key] = rows.length ? str(rows[0].igStartBasis) : null;
  }
  return book.hypothetical[key];
}

const truthy = (node, fallback) => (node ? ["true", "1"].includes(node.value.toLowerCase()) : fallback);

function loadInfo(rules) {
  // RuleBook.load: rule-info.rq and rule-conditions.rq for every rule not cached, in two queries
  const wanted = [...new Set(rules)].filter((rule) => !(rule in book.info)).sort();
  if (!wanted.length) return;
  const infos = {};
  for (const rule of wanted) {
    infos[rule] = { iri: rule, label: "", sections: [], isDefault: false, values: {}, decisionLabels: {},
                    igg: [], window: null, stopWindow: null };
  }
  const rows = selectMany("recommend/rule-info", wanted.map((rule) => ({ rule: term.iri(rule), lang: term.string(LANG) })));
  for (const row of rows) {
    const info = infos[str(row.rule)];
    for (const [name, value] of Object.entries(row)) if (value && !(name in info.values)) info.values[name] = value;
    if (row.section) {
      const section = [str(row.section), str(row.sectionLabel || row.sectionNotation), str(row.sectionNotation)];
      if (!info.sections.some((s) => s.join("\u0000") === section.join("\u0000"))) info.sections.push(section);
    }
  }
  for (const row of selectMany("explain/rule-conditions", wanted.map((rule) => ({ rule: term.iri(rule) })))) {
    addCondition(infos[str(row.rule)], row);
  }
  for (const info of Object.values(infos)) {
    info.label = info.values.label ? info.values.label.value : "";
    info.isDefault = truthy(info.values.isDefault, false);
    info.igg.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    book.info[info.iri] = info;
  }
}
function info(rule) {
  if (!(rule in book.info)) loadInfo([rule]);
  return book.info[rule];
}

function addCondition(info, row) {
  const part = str(row.part);
  const label = row.label;
  if (part === "decision" && label && label.language) {
    if (!(label.language in info.decisionLabels)) info.decisionLabels[label.language] = label.value;
  } else if (part === "igg" && row.threshold) {
    const condition = { node: str(row.node), comparator: str(row.comparator), threshold: str(row.threshold),
                        upper: row.upperThreshold ? str(row.upperThreshold) : null,
                        unit: row.unit ? str(row.unit) : null,
                        withoutSubstitution: truthy(row.withoutSubstitution, false) };
    const same = JSON.stringify(condition);
    if (!info.igg.some((existing) => JSON.stringify(existing) === same)) info.igg.push(condition);
  } else if (part === "window" || part === "stop") {
    const current = part === "window" ? info.window : info.stopWindow;
    const labels = current ? { ...current.eventLabels } : {};
    const eventLabel = row.eventLabel;
    if (eventLabel && eventLabel.language && !(eventLabel.language in labels)) labels[eventLabel.language] = eventLabel.value;
    const window = {
      node: str(row.node), indexEvent: row.indexEvent ? str(row.indexEvent) : null, eventLabels: labels,
      fromOffset: row.fromOffset ? str(row.fromOffset) : null, fromUnit: row.fromUnit ? str(row.fromUnit) : null,
      fromInclusive: truthy(row.fromInclusive, true),
      untilOffset: row.untilOffset ? str(row.untilOffset) : null, untilUnit: row.untilUnit ? str(row.untilUnit) : null,
      untilInclusive: truthy(row.untilInclusive, true),
    };
    if (part === "window") info.window = window; else info.stopWindow = window;
  }
}

// --- the form → a validated patient (recommend/patient.py's checks, field-named) -----------------------

class FieldError extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

function readForm() {
  const data = new FormData(form);
  const value = (name) => (data.get(name) === null ? "" : String(data.get(name)).trim());
  const checked = (name) => form.elements[name].checked;
  const errors = [];
  const fail = (field, key, values) => errors.push(new FieldError(field, c(`error.${key}`, values)));
  const date = (name, required = true) => {
    const text = value(name);
    if (!text) { if (required) fail(name, "required"); return null; }
    const parsed = parseDate(text);
    if (!parsed || parsed.getUTCFullYear() < 1950 || parsed.getUTCFullYear() > 2200) { fail(name, "date"); return null; }
    return parsed;
  };
  const number = (name) => {
    const text = value(name);
    if (!text) { fail(name, "required"); return null; }
    const decimal = decimalText(text);
    if (decimal === null) { fail(name, "number"); return null; }
    if (decimal.startsWith("-")) { fail(name, "negative"); return null; }
    return decimal;
  };
  const p = { infections: checked("severe_or_recurrent_bacterial_infections"),
              duringSubstitution: checked("during_ig_substitution") };
  const age = number("age");
  if (age !== null && Number(age) > Number(CONFIG.limits.age)) fail("age", "age_range", { max: CONFIG.limits.age });
  p.age = age;
  p.therapy = value("therapy");
  if (!p.therapy) fail("therapy", "required");
  else if (p.therapy.length > 100) fail("therapy", "therapy_long", { max: 100 });
  p.therapyStart = date("therapy_start");
  p.assessmentDate = date("assessment_date", false);
  if (p.assessmentDate === null && !value("assessment_date")) {
    const now = new Date();
    p.assessmentDate = new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
  }
  p.iggValue = number("igg_value");
  p.iggUnit = value("igg_unit") === "mg/dL" ? "mg/dL" : "g/L";
  if (p.iggValue !== null) {
    p.iggGPerL = p.iggUnit === "mg/dL" ? divideBy100(p.iggValue) : p.iggValue;
    const max = Number(CONFIG.limits.igg);
    if (Number(p.iggGPerL) > max) fail("igg_value", "igg_range", { max: num(max), max_mgdl: num(max * 100) });
  }
  p.ig = { status: value("ig_status") === "ongoing" ? "ongoing" : "none" };
  if (p.ig.status === "ongoing") {
    p.ig.startDate = date("ig_start_date");
    p.ig.startedBeforeTherapy = checked("ig_started_before_therapy");
    p.ig.startBasis = value("ig_start_basis") || null;
  }
  if (p.therapyStart && p.assessmentDate && p.assessmentDate < p.therapyStart) {
    fail("assessment_date", "before_start", { start: iso(p.therapyStart) });
  }
  if (p.ig.startDate && p.assessmentDate && p.therapyStart) {
    if (p.ig.startDate > p.assessmentDate) fail("ig_start_date", "after_assessment", { date: iso(p.assessmentDate) });
    else if (p.ig.startedBeforeTherapy && p.ig.startDate > p.therapyStart) {
      fail("ig_started_before_therapy", "before_true", { date: iso(p.ig.startDate), start: iso(p.therapyStart) });
    } else if (!p.ig.startedBeforeTherapy && p.ig.startDate < p.therapyStart) {
      fail("ig_started_before_therapy", "before_false", { date: iso(p.ig.startDate), start: iso(p.therapyStart) });
    }
  }
  return [p, errors];
}

// --- patient → facts (recommend/facts.py facts_of) -----------------------------------------------------

function phaseCodes() {
  // facts.phase_codes: the skos:notation of the first start window and of the window starting at its end
  if (!book.phaseCodes) {
    const rows = select("recommend/phase-codes", { window: term.iri(book.boundary.window.value) });
    const row = rows[0] || {};
    if (!row.within || !row.after) throw new Error("the council's first start window and the start window that begins where it ends each need a skos:notation (data/council.ttl)");
    book.phaseCodes = [row.within.value, row.after.value];
  }
  return book.phaseCodes;
}

function factsOf(p) {
  const errors = [];
  const pop = population(Number(p.age));
  if (!pop) errors.push(new FieldError("age", c("error.population")));
  const therapy = resolveTherapy(p.therapy);
  if (!therapy) {
    errors.push(new FieldError("therapy", c("error.therapy", { text: p.therapy.slice(0, 60), names: book.therapyNames.join(", ") })));
  }
  if (errors.length) throw errors;
  const boundary = shift(p.therapyStart, str(book.boundary.untilOffset), str(book.boundary.untilUnit));
  const [months, exact] = monthsBetween(p.therapyStart, p.assessmentDate);
  const facts = {
    patient: p, population: pop.population, populationCode: pop.code,
    therapyClass: therapy.therapyClass, therapyCode: therapy.code, product: therapy.product,
    productName: therapy.productName, sixMonthDate: boundary,
    phase: phaseCodes()[p.assessmentDate < boundary ? 0 : 1], withinFirstWindow: p.assessmentDate < boundary,
    monthsSince: months, exactMonths: exact, daysSince: daysBetween(p.therapyStart, p.assessmentDate),
    igStatus: code("IgStatusScheme", p.ig.status), courseTiming: null, courseBasis: null,
  };
  const ig = p.ig;
  if (ig.status === "ongoing" && ig.startDate) {
    if (ig.startedBeforeTherapy) facts.courseTiming = EKB + "timing-before-therapy";
    else if (ig.startDate < boundary) facts.courseTiming = EKB + "timing-within-window";
    else facts.courseTiming = EKB + "timing-after-window";
    if (ig.startBasis) facts.courseBasis = code("IgStartBasisScheme", ig.startBasis);
    else if (facts.courseTiming === EKB + "timing-within-window" && pop.code === "adult") {
      throw [new FieldError("ig_start_basis", c("error.basis", { date: iso(ig.startDate), end: iso(boundary) }))];
    } else facts.courseBasis = EKB + "basis-unspecified";
  }
  return facts;
}

// --- evaluation (recommend/evaluate.py Recommender._evaluate_chunk, one patient) -----------------------

const NOT_CHECKED = ["population", "therapy", "ig-status"];

function split(results, names) {
  if (!results || !results.value) return [];
  return results.value.split(" ").map((item) => {
    const parts = item.split("|");
    if (parts.length !== names.length) throw new Error("unexpected result row");
    return Object.fromEntries(names.map((n, i) => [n, parts[i]]));
  });
}

function best(rows, accept) {
  let chosen = null;
  for (const row of [...rows].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0))) {
    if (accept(row) && (chosen === null || Number(row.priority) > Number(chosen.priority))) chosen = row;
  }
  return chosen;
}

function course(facts, start) {
  if (facts.courseTiming !== null) return [facts.courseTiming, facts.courseBasis || EKB + "basis-unspecified"];
  const basis = start ? hypotheticalBasis(start.rule, facts.patient.infections) : null;
  if (basis === null) return [EKB + "timing-not-started", EKB + "basis-unspecified"];
  return [facts.withinFirstWindow ? EKB + "timing-within-window" : EKB + "timing-after-window", basis];
}

function evaluate(facts) {
  const p = facts.patient;
  const startRows = selectMany("recommend/start", [{
    patient: term.integer(0), population: term.iri(facts.population), therapyClass: term.iri(facts.therapyClass),
    igg: term.decimal(p.iggGPerL), infections: term.boolean(p.infections), monthsSince: term.integer(facts.monthsSince),
    exactMonths: term.boolean(facts.exactMonths), daysSince: term.integer(facts.daysSince), igStatus: term.iri(facts.igStatus),
  }]);
  const starts = startRows.length ? split(startRows[0].results, ["priority", "rule", "decisionCode", "status"]) : [];
  const start = best(starts, (row) => row.status === "match");
  const [timing, basis] = course(facts, start);
  const stopRows = selectMany("recommend/stop", [{
    patient: term.integer(0), population: term.iri(facts.population), therapyClass: term.iri(facts.therapyClass),
    igStartTiming: term.iri(timing), igStartBasis: term.iri(basis),
  }]);
  const stops = stopRows.length ? split(stopRows[0].results, ["priority", "rule", "governing", "decisionCode", "settled"]) : [];
  const stop = best(stops, () => true);
  const cited = new Set([book.boundary.window.value]);
  if (start) {
    cited.add(start.rule);
    if (start.decisionCode === "do-not-start") starts.forEach((row) => cited.add(row.rule));
  }
  if (stop) { cited.add(stop.rule); cited.add(stop.governing); }
  if (book.recoveryRule) cited.add(book.recoveryRule);
  loadInfo([...cited]);
  if (!start || !stop) throw new Error(c("error.no_answer"));
  return answer(facts, start, starts, stop);
}

function answer(facts, start, checked, stop) {
  const p = facts.patient;
  const startInfo = info(start.rule);
  const governing = stop.governing;
  const govInfo = info(governing);
  const settled = stop.settled.toLowerCase() === "true";
  const out = {
    population: facts.populationCode, phase: facts.phase, six_month_date: iso(facts.sixMonthDate),
    igg_g_per_l: p.iggGPerL, assessment_date: iso(p.assessmentDate),
    therapy: { input: p.therapy, class: facts.therapyCode, product: facts.product, product_name: facts.productName },
    start: { decision: start.decisionCode, decision_label: startInfo.decisionLabels[LANG] || null, rule: start.rule,
             source: startInfo.sections.length ? startInfo.sections[0][0] : null },
    stop: { decision: stop.decisionCode, decision_label: govInfo.decisionLabels[LANG] || null, date: null,
            rule: governing, source: govInfo.sections.length ? govInfo.sections[0][0] : null, settled },
  };
  if (startInfo.values.appliesToUrl) {
    out.start.base_guideline = { iri: str(startInfo.values.appliesTo), label: str(startInfo.values.appliesToLabel) || "",
                                 url: str(startInfo.values.appliesToUrl) };
  }
  if (start.decisionCode === "do-not-start") {
    out.start.checked = [...checked]
      .sort((a, b) => Number(b.priority) - Number(a.priority) || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0))
      .filter((row) => !NOT_CHECKED.includes(row.status) && row.status !== "match" && !info(row.rule).isDefault)
      .map((row) => ({ rule: row.rule, result: row.status }));
  }
  if (!settled) {
    out.stop.closest_rule = governing;
    out.stop.annotation = stop.rule;
    const note = info(stop.rule);
    out.stop.note = note.label;
    if (note.values.alternative) out.stop.alternative_rule = str(note.values.alternative);
  }
  stopDates(p, out.stop, govInfo);
  out.explanation = sentences(facts, out);
  return out;
}

function stopDates(p, stop, govInfo) {
  // evaluate._stop_dates
  const v = govInfo.values;
  if (!v.stopIndex) return;
  let anchor;
  if (v.stopIndex.value === EKB + "event-therapy-start") anchor = p.therapyStart;
  else if (p.ig.status === "ongoing" && p.ig.startDate) anchor = p.ig.startDate;
  else anchor = p.assessmentDate;
  const begin = shift(anchor, str(v.stopFromOffset), str(v.stopFromUnit));
  stop.date = iso(begin);
  if (v.stopUntilOffset) {
    const end = shift(anchor, str(v.stopUntilOffset), str(v.stopUntilUnit));
    stop.window = { from: iso(begin), to: iso(end), ig_start: iso(anchor) };
  }
  if (v.reevaluationMonths) stop.reevaluation_interval_months = parseInt(v.reevaluationMonths.value, 10);
}

// --- explanation (recommend/explain.py) ----------------------------------------------------------------

function unitWord(unit, amount = null) {
  const name = String(unit || "").split("/").pop();
  const known = book.units[unit || ""];
  const singular = `recommend.unit.${name}-one`;
  if (amount !== null && Number(amount) === 1 && singular in M) return M[singular];
  if (known && known.labels[LANG]) return known.labels[LANG];
  return `recommend.unit.${name}` in M ? M[`recommend.unit.${name}`] : name;
}
function unitSymbol(unit) {
  const known = book.units[unit || ""];
  return known && known.symbol ? known.symbol : unitWord(unit);
}
function duration(offset, unit) {
  const amount = offset !== null && offset !== undefined ? offset : "0";
  return r("phrase.duration", { number: num(amount), unit: unitWord(unit, amount) });
}
function event(window) {
  if (!window) return "?";
  const labels = window.eventLabels;
  const label = labels[LANG] || labels.en || (window.indexEvent || "?").split("#").pop();
  return label.length > 1 && label[1] === label[1].toLowerCase() && label[1] !== label[1].toUpperCase()
    ? label[0].toLowerCase() + label.slice(1) : label;
}
function windowPhrase(window) {
  const when = event(window);
  const hasFrom = window.fromOffset !== null && Number(window.fromOffset) !== 0;
  if (hasFrom && window.untilOffset !== null) {
    let start = duration(window.fromOffset, window.fromUnit);
    if (window.fromUnit === window.untilUnit) start = num(window.fromOffset);
    return r("phrase.window-range", { from_: start, until: duration(window.untilOffset, window.untilUnit), event: when });
  }
  if (window.untilOffset !== null) {
    const key = window.untilInclusive ? "phrase.window-until-inclusive" : "phrase.window-until";
    return r(key, { until: duration(window.untilOffset, window.untilUnit), event: when });
  }
  if (hasFrom) {
    const key = window.fromInclusive ? "phrase.window-from" : "phrase.window-from-exclusive";
    return r(key, { from_: duration(window.fromOffset, window.fromUnit), event: when });
  }
  return r("phrase.any-window");
}
function conditionPhrase(conditions) {
  if (!conditions.length) return r("phrase.its-igg");
  return conditions.map((cond) => {
    const unit = cond.unit ? unitSymbol(cond.unit) : "";
    if (cond.comparator === "between" && cond.upper !== null) {
      return r("phrase.igg-between", { threshold: num(cond.threshold), upper: num(cond.upper), unit }).trim();
    }
    return r("phrase.igg", { comparator: cond.comparator, threshold: num(cond.threshold), unit }).trim();
  }).join(", ");
}
function cite(ruleInfo, ...extra) {
  const label = ruleInfo.sections.length ? ruleInfo.sections.map((s) => s[1]).join(", ") : "?";
  return [label, ruleInfo.iri, ...extra].join("; ");
}

function sentences(facts, ans) {
  const p = facts.patient;
  const igg = num(p.iggGPerL);
  const boundary = info(book.boundary.window.value);
  const phaseDuration = duration(str(book.boundary.untilOffset), str(book.boundary.untilUnit));
  const window = boundary.window;
  const phaseKey = facts.withinFirstWindow ? "sentence.within" : "sentence.after";
  const population = `recommend.population.${facts.populationCode}` in M
    ? M[`recommend.population.${facts.populationCode}`] : facts.populationCode;
  const out = [r("sentence.situation", {
    population, age: num(p.age), therapy: facts.productName || facts.therapyCode, start: iso(p.therapyStart),
    assessed: iso(p.assessmentDate),
    phase_text: r(phaseKey, { duration: phaseDuration, event: event(window) }),
    boundary_text: r("sentence.boundary", { duration: phaseDuration, date: iso(facts.sixMonthDate) }),
    cite: cite(boundary),
  })];
  out.push(...startSentences(facts, ans.start, igg));
  out.push(...whySentence(ans.start.rule));
  out.push(...stopSentences(facts, ans));
  out.push(...whySentence(ans.stop.rule));
  if (p.duringSubstitution && book.recoveryRule) {
    const recovery = info(book.recoveryRule);
    out.push(r("sentence.during", { condition: conditionPhrase(recovery.igg), cite: cite(recovery) }));
  }
  return out.map((s) => (s.endsWith(".") ? s : s + "."));
}

function whySentence(rule) {
  const line = book.whyLines[rule || ""];
  if (!line) return [];
  const text = LANG === "en" && line.translation ? line.translation : line.text;
  const section = line[LANG === "en" ? "sectionEn" : "sectionDa"] || "";
  return [r("sentence.why", { text: text.replace(/\.+$/, ""), cite: `${section}; ${line.statement}` })];
}

function startSentences(facts, start, igg) {
  const ruleInfo = info(start.rule);
  const decision = start.decision;
  if (decision === "start" || decision === "general-criteria") {
    const out = [r(`sentence.${decision}`, { igg, label: ruleInfo.label, condition: conditionPhrase(ruleInfo.igg), cite: cite(ruleInfo) })];
    if (start.base_guideline) {
      out.push(r("sentence.base", { label: start.base_guideline.label, url: start.base_guideline.url, cite: cite(ruleInfo) }));
    }
    return out;
  }
  if (decision === "do-not-start") {
    const out = [r(ruleInfo.isDefault ? "sentence.do-not-start" : "sentence.do-not-start-rule", { label: ruleInfo.label, cite: cite(ruleInfo) })];
    for (const item of start.checked || []) {
      const rule = info(item.rule);
      const reasonKey = `recommend.reason.${item.result}`;
      const reason = reasonKey in M
        ? m(reasonKey, { igg, condition: conditionPhrase(rule.igg), window: rule.window ? windowPhrase(rule.window) : "" })
        : item.result;
      out.push(r("sentence.checked", { label: rule.label, reason, cite: cite(rule) }));
    }
    return out;
  }
  if (decision === "already-on-ig") {
    const igStart = facts.patient.ig.startDate;
    return [r("sentence.already-on-ig", { ig_start: igStart ? iso(igStart) : "?", cite: cite(ruleInfo) })];
  }
  if (decision === "individual-assessment") return [r("sentence.individual-assessment", { cite: cite(ruleInfo) })];
  return [r("sentence.other-decision", { decision: ruleInfo.decisionLabels[LANG] || decision, label: ruleInfo.label, cite: cite(ruleInfo) })];
}

function stopSentences(facts, ans) {
  const p = facts.patient;
  const stop = ans.stop;
  const gov = info(stop.rule);
  const window = gov.stopWindow;
  const decision = stop.decision;
  const hypothetical = p.ig.status === "none" && stop.date !== null;
  const prefix = hypothetical ? r("sentence.hypothetical", { date: iso(p.assessmentDate) }) : "";
  const out = [];
  if (stop.date && !stop.window && window) {
    const when = r("phrase.after", { duration: duration(window.fromOffset, window.fromUnit), event: event(window) });
    out.push(prefix + r("sentence.stop-at-date", { date: stop.date, when, cite: cite(gov) }));
    if (p.ig.status === "ongoing" && stop.date < iso(p.assessmentDate)) {
      out.push(r("sentence.overdue", { date: stop.date, cite: cite(gov) }));
    }
  } else if (stop.window && window) {
    const months = stop.reevaluation_interval_months;
    const reevaluation = months !== undefined ? r("sentence.reevaluation", { months }) : "";
    out.push(prefix + r("sentence.stop-window", { from_: stop.window.from, to: stop.window.to, window: windowPhrase(window),
                                                   ig_start: stop.window.ig_start, reevaluation, cite: cite(gov) }));
  } else if (decision === "individual-assessment") {
    out.push(r("sentence.stop-individual", { cite: cite(gov) }));
  } else if (decision === "not-applicable") {
    out.push(r("sentence.not-applicable", { cite: cite(gov) }));
  } else {
    out.push(r("sentence.other-decision", { decision: gov.decisionLabels[LANG] || decision, label: gov.label, cite: cite(gov) }));
  }
  if (!stop.settled) {
    const noteInfo = info(stop.annotation);
    let note = stop.note;
    const at = note.indexOf(": ");
    if (at >= 0 && note.slice(0, at).toLowerCase() === r("sentence.unsettled-prefix")) note = note.slice(at + 2);
    const alternative = str(noteInfo.values.alternativeLabel);
    out.push(r("sentence.unsettled", { note, closest: gov.label,
                                       alternative: alternative ? r("sentence.unsettled-alternative", { label: alternative }) : "",
                                       cite: cite(noteInfo, stop.closest_rule) }));
  }
  return out;
}

// --- the page --------------------------------------------------------------------------------------------

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("ekb-error", isError);
}

const IRI = /https?:\/\/[^\s;,()<>"]+/g;

function linked(text) {
  // a sentence as text nodes, each rule IRI with a page on this site a link to it
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(IRI)) {
    const iri = match[0].replace(/\.$/, "");
    fragment.append(text.slice(last, match.index));
    const page = CONFIG.rules[iri];
    if (page) {
      const a = document.createElement("a");
      a.href = page;
      a.textContent = iri.split("/").pop();
      a.title = iri;
      fragment.append(a);
    } else {
      const code = document.createElement("code");
      code.textContent = iri.split(/[/#]/).pop();
      code.title = iri;
      fragment.append(code);
    }
    last = match.index + iri.length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

function ruleItem(iri) {
  const li = document.createElement("li");
  const label = info(iri).label || iri;
  if (CONFIG.rules[iri]) {
    const a = document.createElement("a");
    a.href = CONFIG.rules[iri];
    a.textContent = label;
    li.append(a);
  } else {
    li.append(label + " ");
    const code = document.createElement("code");
    code.textContent = iri.split("/").pop();
    li.append(code);
  }
  return li;
}

function clearErrors() {
  errorBox.hidden = true;
  errorBox.replaceChildren();
  for (const span of form.querySelectorAll(".ekb-calc-error")) { span.hidden = true; span.textContent = ""; }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

function showErrors(errors) {
  resultBox.hidden = true;
  delete resultBox.dataset.startDecision;
  delete resultBox.dataset.stopDecision;
  delete resultBox.dataset.stopDate;
  const heading = document.createElement("p");
  heading.textContent = c("page.errors");
  const list = document.createElement("ul");
  for (const error of errors) {
    const li = document.createElement("li");
    li.dataset.field = error.field || "";
    li.textContent = error.field ? `${error.field}: ${error.message}` : error.message;
    list.append(li);
    const span = error.field && document.getElementById(`error-${error.field}`);
    if (span) {
      span.textContent = error.message;
      span.hidden = false;
      const control = form.elements[error.field];
      if (control && control.setAttribute) control.setAttribute("aria-invalid", "true");
    }
  }
  errorBox.replaceChildren(heading, list);
  errorBox.hidden = false;
  root.dataset.state = "invalid";
}

function showAnswer(ans) {
  const decisions = resultBox.querySelector(".ekb-calc-decisions");
  const entry = (title, text) => {
    const dt = document.createElement("dt");
    dt.textContent = title;
    const dd = document.createElement("dd");
    dd.textContent = text;
    decisions.append(dt, dd);
  };
  decisions.replaceChildren();
  entry(c("page.start"), ans.start.decision_label || ans.start.decision);
  let stopText = ans.stop.decision_label || ans.stop.decision;
  if (ans.stop.date) stopText += " · " + c("page.stop_date", { date: ans.stop.date });
  if (ans.stop.window) stopText += " · " + c("page.stop_window", { from_: ans.stop.window.from, to: ans.stop.window.to });
  if (!ans.stop.settled) stopText += ` (${c("page.unsettled")})`;
  entry(c("page.stop"), stopText);
  const list = resultBox.querySelector(".ekb-calc-explanation");
  list.replaceChildren(...ans.explanation.map((sentence) => {
    const li = document.createElement("li");
    li.append(linked(sentence));
    return li;
  }));
  const rules = [...new Set([ans.start.rule, ans.stop.rule, ans.stop.annotation, ans.stop.alternative_rule].filter(Boolean))];
  resultBox.querySelector(".ekb-calc-rules").replaceChildren(...rules.map(ruleItem));
  resultBox.dataset.startDecision = ans.start.decision;
  resultBox.dataset.stopDecision = ans.stop.decision;
  resultBox.dataset.stopDate = ans.stop.date || "";
  resultBox.dataset.startRule = ans.start.rule;
  resultBox.dataset.stopRule = ans.stop.rule;
  resultBox.dataset.settled = String(ans.stop.settled);
  resultBox.dataset.phase = ans.phase;
  resultBox.dataset.sixMonthDate = ans.six_month_date;
  resultBox.hidden = false;
  root.dataset.state = "answered";
}

function calculate() {
  clearErrors();
  root.dataset.state = "working";
  try {
    const [patient, errors] = readForm();
    if (errors.length) return showErrors(errors);
    const ans = evaluate(factsOf(patient));
    root.answer = ans;
    showAnswer(ans);
  } catch (error) {
    if (Array.isArray(error)) return showErrors(error);
    showErrors([new FieldError(null, c("error.internal", { error: error && error.message ? error.message : error }))]);
  } finally {
    root.dataset.runs = String(Number(root.dataset.runs || "0") + 1);
  }
}

async function main() {
  form.addEventListener("submit", (e) => { e.preventDefault(); calculate(); });
  await init();
  QUERIES = await (await fetch(CONFIG.queries)).json();
  const base = new URL(CONFIG.queries, document.baseURI);
  const texts = await Promise.all(Object.entries(QUERIES).map(async ([name, q]) => {
    const response = await fetch(new URL(q.file, base));
    if (!response.ok) throw new Error(`${q.file}: ${response.status}`);
    return [name, await response.text()];
  }));
  for (const [name, text] of texts) TEXTS[name] = text;
  const response = await fetch(CONFIG.graph);
  if (!response.ok) throw new Error(`cannot load the graph (${response.status})`);
  store = new ox.Store();
  store.load(await response.text(), { format: "text/turtle" });
  loadRuleBook();
  const datalist = document.getElementById("calc-therapies");
  datalist.replaceChildren(...book.therapyNames.map((name) => Object.assign(document.createElement("option"), { value: name })));
  submit.disabled = false;
  setStatus(c("page.loaded", { n: store.size }));
  root.dataset.ready = "true";
}

main().catch((error) => setStatus(c("page.load_failed", { error }), true));
