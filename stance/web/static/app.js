// The analysts' page (docs/webapp.md): calls /analyze or /analyze_batch of this service and draws the
// result. No libraries: DOM and SVG are built here; downloads come from the server's exporters.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
// Okabe-Ito colours, and a dash pattern and a sign for each stance: colour is never the only cue.
const STANCES = {
  favor: { colour: "#0072B2", dash: "", sign: "+" },
  against: { colour: "#D55E00", dash: "9 5", sign: "\u2212" },
  neutral: { colour: "#666666", dash: "2 4", sign: "0" },
  uncertain: { colour: "#AA4499", dash: "9 3 2 3", sign: "?" },
};
// Light highlight colours (Paul Tol's "light" scheme and pale extras), dark text stays readable on each.
const ACTOR_COLOURS = ["#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BBAA", "#BBCC33",
  "#DDDDDD", "#E8C8F0", "#C8E6A0", "#F4C27A", "#A8D8D0"];
const SHAPES = { person: "circle", state: "square", organisation: "diamond", group: "triangle",
  place: "hexagon", author: "star" };
const state = { article: null, corpus: null };

// -- small helpers ---------------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined) el.setAttribute(key, value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return el;
}

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  return el;
}

const $ = (selector, root = document) => root.querySelector(selector);
const signed = (x) => (x > 0 ? "+" : x < 0 ? "\u2212" : "") + Math.abs(x).toFixed(2);
const style = (stance) => STANCES[stance] || STANCES.uncertain;

function say(el, message) {
  el.textContent = message || "";
  el.hidden = !message;
}

function list(el, items) {
  el.replaceChildren(...items.map((text) => h("li", {}, text)));
  el.hidden = items.length === 0;
}

async function postJSON(url, body) {
  const response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch (err) { data = null; }
  return { ok: response.ok, status: response.status, data };
}

// Every error shape of the service: BentoML's validation {detail: [{loc, msg}]}, its InvalidArgument
// [{error}], and our own {error}. Returns [{field, message}], field being the request field named first.
function problems(status, data) {
  const clean = (msg) => String(msg).replace(/^Value error, /, "");
  if (data && Array.isArray(data.detail)) {
    return data.detail.map((d) => ({ field: (d.loc || [])[0], loc: d.loc || [], message: clean(d.msg) }));
  }
  const errors = Array.isArray(data) ? data : data && data.error ? [data] : [];
  if (errors.length) {
    return errors.map((e) => {
      const message = clean(e.error);
      const field = /^actors/.test(message) ? "actors" : /^articles/.test(message) ? "articles" : "text";
      return { field, loc: [], message };
    });
  }
  return [{ field: null, loc: [], message: `The service answered ${status} without a message.` }];
}

// -- the article view ------------------------------------------------------------------------------------

function parseActors(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [name, type, aliases] = line.split("|").map((part) => part.trim());
    const actor = { name };
    if (type) actor.type = type;
    if (aliases) actor.aliases = aliases.split(",").map((a) => a.trim()).filter(Boolean);
    return actor;
  });
}

function clearArticleMessages() {
  for (const id of ["text-error", "file-error", "actors-error", "form-error"]) say($(`#${id}`), "");
  list($("#text-warnings"), []);
}

async function analyseArticle(event) {
  event.preventDefault();
  clearArticleMessages();
  const text = $("#text").value;
  const actors = parseActors($("#actors").value);
  const body = { text };
  if (actors.length) body.actors = actors;
  if ($("#actors-only").checked) body.actors_only = true;
  const button = $("#analyze");
  button.disabled = true;
  say($("#status"), `Analysing ${text.length.toLocaleString("en")} characters\u2026`);
  const started = performance.now();
  try {
    const { ok, status, data } = await postJSON("/analyze", body);
    if (!ok) {
      say($("#status"), "");
      for (const p of problems(status, data)) {
        if (p.field === "actors" && typeof p.loc[1] === "number") {
          say($("#actors-error"), `Actor on line ${p.loc[1] + 1}: ${p.message}`);
        } else if (p.field === "actors" || p.field === "actors_only") {
          say($("#actors-error"), p.message);
        } else if (p.field === "text") {
          say($("#text-error"), p.message);
        } else {
          say($("#form-error"), p.message);
        }
      }
      return;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    say($("#status"), `Done in ${seconds} s: ${data.actors.length} actors, ${data.statements.length} statements, ` +
      `${data.pairs.length} holder \u2192 target pairs.`);
    showArticle(data, text);
  } catch (err) {
    say($("#status"), "");
    say($("#form-error"), `Could not reach the service: ${err.message}. Is it still running?`);
  } finally {
    button.disabled = false;
  }
}

function showArticle(analysis, text, select = null) {
  state.article = { analyses: [analysis] };
  list($("#text-warnings"), analysis.warnings);
  const colours = actorColours(analysis.actors);
  const names = actorNames([analysis]);
  // Offsets are Python's (code points), not JavaScript's UTF-16 units: slice an array of code points.
  renderArticle($("#article"), analysis, Array.from(text), colours, names);
  const edges = articleEdges(analysis);
  const panel = $("#result");
  panel.hidden = false;
  const onSelect = (edge) => showEvidence(panel, edge, names, (ev) => focusStatement(ev.statement));
  drawNetwork(panel, nodesOf([analysis], edges), edges, onSelect);
  pairTable($("#pairs-table"), edges, names, false, (edge) => selectEdge(panel, edge));
  targetTable($("#targets-table"), analysis.targets, names);
  if (select) {
    const edge = edges.find((e) => e.holder === select.holder && e.target === select.target);
    if (edge) selectEdge(panel, edge);
  }
}

function actorColours(actors) {
  const colours = {};
  actors.forEach((actor, i) => { colours[actor.id] = ACTOR_COLOURS[i % ACTOR_COLOURS.length]; });
  return colours;
}

function actorNames(analyses) {
  const names = { author: "author" };
  for (const a of analyses) for (const actor of a.actors) names[actor.id] = actor.name;
  return names;
}

function renderArticle(container, analysis, chars, colours, names) {
  const slice = (start, end) => chars.slice(start, end).join("");
  const mentions = analysis.mentions;
  const byId = Object.fromEntries(analysis.actors.map((a) => [a.id, a]));
  let m = 0;
  // The text of [start, end) with the mentions that lie inside it highlighted.
  const piece = (start, end) => {
    const out = [];
    let at = start;
    while (m < mentions.length && mentions[m].end <= end) {
      const mention = mentions[m++];
      if (mention.start < at) continue;  // overlaps the previous piece: left plain
      out.push(slice(at, mention.start));
      const actor = byId[mention.actor] || { id: mention.actor, name: mention.actor, type: "", roles: [], mentions: 1 };
      const mark = h("mark", { class: "mention", tabindex: "0", "data-actor": actor.id, "data-start": mention.start,
        "aria-describedby": "actor-card" }, slice(mention.start, mention.end));
      mark.style.setProperty("--actor", colours[actor.id] || "#DDDDDD");
      mark.actor = actor;
      out.push(mark);
      at = mention.end;
    }
    out.push(slice(at, end));
    return out;
  };
  const parts = [];
  let at = 0;
  for (const s of analysis.statements) {
    if (s.start > at) parts.push(...piece(at, s.start));
    const speaker = s.speaker ? names[s.speaker] || s.speaker : "author";
    const badge = h("span", { class: "speaker" + (s.speaker ? "" : " author"), "data-speaker": s.speaker || "author",
      title: s.speaker ? `Speaker (${s.attribution})` : "No speaker found: the author" }, speaker);
    if (s.speaker) badge.style.setProperty("--actor", colours[s.speaker] || "#DDDDDD");
    parts.push(h("span", { class: "statement", id: `st-${s.index}`, "data-index": s.index }, badge, piece(s.start, s.end)));
    at = Math.max(at, s.end);
  }
  parts.push(...piece(at, chars.length));
  container.replaceChildren(...parts.filter((p) => p !== ""));
}

function focusStatement(index) {
  const el = document.getElementById(`st-${index}`);
  if (el) el.scrollIntoView({ block: "center", behavior: "auto" });
}

// -- the actor card --------------------------------------------------------------------------------------

function showCard(event) {
  const mark = event.target.closest(".mention");
  if (!mark) return;
  const a = mark.actor;
  const card = $("#actor-card");
  card.replaceChildren(
    h("strong", {}, a.name),
    h("dl", {},
      h("dt", {}, "Type"), h("dd", {}, a.type || "unknown"),
      h("dt", {}, "Id"), h("dd", {}, a.id),
      h("dt", {}, "Mentions"), h("dd", {}, String(a.mentions)),
      h("dt", {}, "Roles"), h("dd", {}, a.roles && a.roles.length ? a.roles.join("; ") : "none given")));
  card.hidden = false;
  const box = mark.getBoundingClientRect();
  const left = Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - card.offsetWidth - 8);
  card.style.setProperty("left", `${Math.max(4, left)}px`);
  card.style.setProperty("top", `${box.bottom + window.scrollY + 6}px`);
}

function hideCard(event) {
  if (!event || event.type !== "keydown" || event.key === "Escape") $("#actor-card").hidden = true;
}

// -- edges: one per (holder, target), from one article or aggregated over several -------------------------

function articleEdges(analysis) {
  return analysis.pairs.map((pair) => ({
    holder: pair.holder || "author", target: pair.target, stance: pair.stance, score: pair.score,
    confidence: pair.confidence, count: pair.count, articles: 1,
    evidence: pair.evidence.map((e) => ({ ...e, article: 0, probs: probsOf(analysis, pair, e.statement) })),
  }));
}

function probsOf(analysis, pair, statement) {
  const s = analysis.stances.find((x) => x.statement === statement && x.holder === (pair.holder || "author") &&
    x.target === pair.target);
  return s ? s.stance_probs : {};
}

// Count-weighted means and the majority stance, as `stance.article.export.network` aggregates for GraphML.
function corpusEdges(analyses) {
  const edges = new Map();
  analyses.forEach((analysis, number) => {
    for (const pair of analysis.pairs) {
      const key = `${pair.holder || "author"}\u0000${pair.target}`;
      if (!edges.has(key)) {
        edges.set(key, { holder: pair.holder || "author", target: pair.target, score: 0, confidence: 0, count: 0,
          votes: {}, articles: new Set(), evidence: [] });
      }
      const edge = edges.get(key);
      edge.score += pair.score * pair.count;
      edge.confidence += pair.confidence * pair.count;
      edge.count += pair.count;
      edge.votes[pair.stance] = (edge.votes[pair.stance] || 0) + pair.count;
      edge.articles.add(number);
      for (const e of pair.evidence) edge.evidence.push({ ...e, article: number, probs: probsOf(analysis, pair, e.statement) });
    }
  });
  return [...edges.values()].map((edge) => {
    const votes = Object.entries(edge.votes).sort((a, b) => (b[1] - a[1]) || (a[0] < b[0] ? -1 : 1));
    return { ...edge, stance: votes[0][0], score: edge.score / edge.count, confidence: edge.confidence / edge.count,
      articles: edge.articles.size };
  }).sort((a, b) => (b.count - a.count) || (Math.abs(b.score) - Math.abs(a.score)));
}

function nodesOf(analyses, edges) {
  const nodes = new Map();
  for (const a of analyses) for (const actor of a.actors) if (!nodes.has(actor.id)) nodes.set(actor.id, actor);
  const used = new Set(edges.flatMap((e) => [e.holder, e.target]));
  if (used.has("author")) nodes.set("author", { id: "author", name: "author", type: "author" });
  // Actors in no edge are in the article view's highlights; the network shows who says what about whom.
  return [...nodes.values()].filter((n) => used.has(n.id));
}

// -- the network (SVG) ------------------------------------------------------------------------------------

// At most this many actors are drawn (a circle of more is unreadable): the edges with the most statements
// first, as long as their actors fit; the tables list every pair.
const MAX_NODES = 28;

function drawNetwork(panel, allNodes, allEdges, onSelect) {
  const box = $("[data-role=network]", panel);
  const kept = new Set();
  const edges = allEdges.filter((e) => {
    const extra = [e.holder, e.target].filter((id) => !kept.has(id));
    if (kept.size + extra.length > MAX_NODES) return false;
    extra.forEach((id) => kept.add(id));
    return true;
  });
  const nodes = allNodes.filter((n) => kept.has(n.id));
  const W = 720, H = 480, R = 15;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "group", "aria-label":
    `Stance network: ${nodes.length} actors, ${edges.length} holder to target edges` });
  const defs = svg("defs");
  for (const [name, s] of Object.entries(STANCES)) {
    const marker = svg("marker", { id: `arrow-${panel.id}-${name}`, viewBox: "0 0 10 10", refX: "9", refY: "5",
      markerWidth: "11", markerHeight: "11", orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: s.colour }));
    defs.append(marker);
  }
  root.append(defs);
  const where = {}, outward = {};
  const n = nodes.length;
  nodes.forEach((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    const rx = n > 1 ? W / 2 - 150 : 0, ry = n > 1 ? H / 2 - 50 : 0;
    where[node.id] = [W / 2 + rx * Math.cos(angle), H / 2 + ry * Math.sin(angle)];
    outward[node.id] = n > 1 ? [Math.cos(angle), Math.sin(angle)] : [0, 1];
  });
  const layer = svg("g", { class: "edges" });
  const maxCount = Math.max(1, ...edges.map((e) => e.count));
  const names = Object.fromEntries(nodes.map((node) => [node.id, node.name]));
  for (const edge of edges) {
    const [x1, y1] = where[edge.holder], [x2, y2] = where[edge.target];
    const dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy) || 1;
    const bend = edges.some((e) => e.holder === edge.target && e.target === edge.holder) ? 0.18 : 0.06;
    const cx = (x1 + x2) / 2 - dy * bend, cy = (y1 + y2) / 2 + dx * bend;
    const [sx, sy] = toward(x1, y1, cx, cy, R + 2), [ex, ey] = toward(x2, y2, cx, cy, R + 6);
    const d = `M${sx.toFixed(1)},${sy.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`;
    const s = style(edge.stance);
    const width = 1.5 + 4.5 * Math.sqrt(edge.count / maxCount);
    const label = `${names[edge.holder]} \u2192 ${names[edge.target]}: ${edge.stance}, score ${signed(edge.score)}, ` +
      `${edge.count} statement${edge.count === 1 ? "" : "s"}`;
    const g = svg("g", { class: "edge", tabindex: "0", role: "button", "aria-label": label,
      "data-holder": edge.holder, "data-target": edge.target, "data-stance": edge.stance });
    const title = svg("title");
    title.textContent = label;
    g.append(title, svg("path", { d, class: "hit" }),
      svg("path", { d, class: "line", stroke: s.colour, "stroke-width": width.toFixed(1), fill: "none",
        "stroke-dasharray": s.dash || "none", "marker-end": `url(#arrow-${panel.id}-${edge.stance in STANCES ? edge.stance : "uncertain"})` }));
    const mx = 0.25 * sx + 0.5 * cx + 0.25 * ex, my = 0.25 * sy + 0.5 * cy + 0.25 * ey;
    const sign = svg("text", { x: mx.toFixed(1), y: (my + 5).toFixed(1), class: "sign", fill: s.colour, "text-anchor": "middle" });
    sign.textContent = s.sign;
    g.append(sign);
    g.edge = edge;
    g.addEventListener("click", () => selectEdge(panel, edge));
    g.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); selectEdge(panel, edge); }
    });
    layer.append(g);
  }
  root.append(layer);
  for (const node of nodes) {
    const [x, y] = where[node.id];
    const g = svg("g", { class: "node", "data-actor": node.id, "data-type": node.type });
    const title = svg("title");
    title.textContent = `${node.name} (${node.type})`;
    g.append(title, shape(SHAPES[node.type] || "circle", x, y, R));
    // Labels sit outside the circle: left of the nodes on the left, right on the right, so they do not overlap.
    const [ux, uy] = outward[node.id];
    const anchor = ux > 0.35 ? "start" : ux < -0.35 ? "end" : "middle";
    const lx = x + ux * (R + 5), ly = y + uy * (R + 5) + (anchor === "middle" ? (uy < 0 ? -2 : 12) : 4);
    const text = svg("text", { x: lx.toFixed(1), y: ly.toFixed(1), "text-anchor": anchor, class: "label" });
    text.textContent = node.name.length > 24 ? node.name.slice(0, 23) + "\u2026" : node.name;
    g.append(text);
    root.append(g);
  }
  const note = edges.length < allEdges.length ? h("p", { class: "hint", "data-role": "network-note" },
    `Showing the ${edges.length} of ${allEdges.length} holder \u2192 target pairs with the most statements among ` +
    `${nodes.length} actors; the table lists them all.`) : null;
  box.replaceChildren(...(edges.length ? [root, note] : [h("p", { class: "hint" }, "No holder \u2192 target stances in this text.")]).filter(Boolean));
  panel.selectEdge = onSelect;
  legend($("[data-role=legend]", panel), nodes);
  $("[data-role=evidence]", panel).replaceChildren(h("p", { class: "hint" }, "No pair selected yet."));
}

function toward(x, y, tx, ty, distance) {
  const len = Math.hypot(tx - x, ty - y) || 1;
  return [x + ((tx - x) / len) * distance, y + ((ty - y) / len) * distance];
}

function shape(kind, x, y, r) {
  const attrs = { class: "shape" };
  const polygon = (points) => svg("polygon", { ...attrs, points: points.map(([px, py]) => `${(x + px).toFixed(1)},${(y + py).toFixed(1)}`).join(" ") });
  const ring = (k, radius, phase = 0) => Array.from({ length: k }, (_, i) => {
    const a = phase + (2 * Math.PI * i) / k;
    return [radius * Math.cos(a), radius * Math.sin(a)];
  });
  if (kind === "square") return svg("rect", { ...attrs, x: x - r * 0.85, y: y - r * 0.85, width: r * 1.7, height: r * 1.7 });
  if (kind === "diamond") return polygon([[0, -r], [r, 0], [0, r], [-r, 0]]);
  if (kind === "triangle") return polygon([[0, -r], [r * 0.95, r * 0.75], [-r * 0.95, r * 0.75]]);
  if (kind === "hexagon") return polygon(ring(6, r));
  if (kind === "star") return polygon(ring(10, r, -Math.PI / 2).map(([px, py], i) => (i % 2 ? [px * 0.45, py * 0.45] : [px, py])));
  return svg("circle", { ...attrs, cx: x, cy: y, r });
}

function legend(el, nodes) {
  const item = (kind, text) => {
    const icon = svg("svg", { viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true" });
    icon.append(shape(kind, 12, 12, 9));
    return h("li", {}, icon, ` ${text}`);
  };
  const line = (name, s) => {
    const icon = svg("svg", { viewBox: "0 0 40 12", width: "40", height: "12", "aria-hidden": "true" });
    icon.append(svg("line", { x1: 2, y1: 6, x2: 38, y2: 6, stroke: s.colour, "stroke-width": 3, "stroke-dasharray": s.dash || "none" }));
    return h("li", {}, icon, ` ${s.sign} ${name}`);
  };
  const types = [...new Set(nodes.map((n) => n.type))];
  el.replaceChildren(
    h("ul", { class: "legend-list", "aria-label": "Stance of an edge" }, Object.entries(STANCES).map(([k, s]) => line(k, s))),
    h("ul", { class: "legend-list", "aria-label": "Actor types" }, types.map((t) => item(SHAPES[t] || "circle", t))),
    h("p", { class: "hint" }, "Line width: number of statements."));
}

function selectEdge(panel, edge) {
  for (const g of panel.querySelectorAll(".edge")) {
    const on = g.edge === edge;
    g.classList.toggle("selected", on);
    g.setAttribute("aria-pressed", on ? "true" : "false");
  }
  panel.selectEdge(edge);
}

function showEvidence(panel, edge, names, open, labels = null) {
  for (const el of document.querySelectorAll(".statement.evidence")) el.classList.remove("evidence");
  const items = edge.evidence.map((e) => {
    const probs = Object.entries(e.probs).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ");
    const where = labels ? `${labels[e.article]}, statement ${e.statement + 1}` : `Statement ${e.statement + 1}`;
    if (!labels) {
      const el = document.getElementById(`st-${e.statement}`);
      if (el) el.classList.add("evidence");
    }
    return h("li", { "data-statement": e.statement, "data-article": e.article },
      h("button", { type: "button", class: "link", onclick: () => open(e) }, where),
      h("span", { class: `badge stance-${e.stance}` }, ` ${style(e.stance).sign} ${e.stance}`),
      h("span", { class: "probs" }, ` (${probs}; score ${signed(e.score)})`),
      h("blockquote", {}, e.text));
  });
  const s = style(edge.stance);
  $("[data-role=evidence]", panel).replaceChildren(
    h("h3", {}, `${names[edge.holder] || edge.holder} \u2192 ${names[edge.target] || edge.target}: ${s.sign} ${edge.stance}`),
    h("p", { class: "hint" }, `score ${signed(edge.score)}, confidence ${edge.confidence.toFixed(2)}, ` +
      `${edge.count} statement${edge.count === 1 ? "" : "s"}` + (labels ? ` in ${edge.articles} article${edge.articles === 1 ? "" : "s"}` : "")),
    h("ol", { class: "evidence-list" }, items));
  if (!labels && edge.evidence.length) open(edge.evidence[0]);
}

// -- tables ------------------------------------------------------------------------------------------------

function sortableTable(table, columns, rows) {
  let key = null, dir = 1;
  const body = h("tbody");
  const heads = columns.map((c) => {
    const th = h("th", { scope: "col", "aria-sort": "none" },
      h("button", { type: "button", class: "sort", onclick: () => sortBy(c) }, c.label));
    return th;
  });
  const sortBy = (c) => {
    dir = key === c.key ? -dir : c.numeric ? -1 : 1;
    key = c.key;
    heads.forEach((th, i) => th.setAttribute("aria-sort", columns[i] === c ? (dir > 0 ? "ascending" : "descending") : "none"));
    const sorted = [...rows].sort((a, b) => {
      const x = c.value(a), y = c.value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    body.replaceChildren(...sorted.map(row));
  };
  const row = (r) => h("tr", {}, columns.map((c, i) => h(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : { class: c.numeric ? "num" : "" }, c.cell ? c.cell(r) : String(c.value(r)))));
  table.replaceChildren(h("thead", {}, h("tr", {}, heads)), body);
  body.replaceChildren(...rows.map(row));
}

function stanceCell(stance) {
  const s = style(stance);
  const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
  swatch.style.setProperty("--stance", s.colour);
  return h("span", { class: `stance stance-${stance}` }, swatch, `${s.sign} ${stance}`);
}

function pairTable(table, edges, names, withArticles, select) {
  const columns = [
    { key: "pair", label: "Holder \u2192 target", value: (e) => `${names[e.holder]} \u2192 ${names[e.target]}`,
      cell: (e) => h("button", { type: "button", class: "link", onclick: () => select(e) }, `${names[e.holder] || e.holder} \u2192 ${names[e.target] || e.target}`) },
    { key: "stance", label: "Stance", value: (e) => e.stance, cell: (e) => stanceCell(e.stance) },
    { key: "score", label: "Score", numeric: true, value: (e) => e.score, cell: (e) => signed(e.score) },
    { key: "confidence", label: "Confidence", numeric: true, value: (e) => e.confidence, cell: (e) => e.confidence.toFixed(2) },
    { key: "count", label: "Statements", numeric: true, value: (e) => e.count },
  ];
  if (withArticles) columns.push({ key: "articles", label: "Articles", numeric: true, value: (e) => e.articles });
  sortableTable(table, columns, edges);
}

function targetTable(table, targets, names) {
  sortableTable(table, [
    { key: "target", label: "Target", value: (t) => names[t.target] || t.target },
    { key: "stance", label: "Stance", value: (t) => t.stance, cell: (t) => stanceCell(t.stance) },
    { key: "score", label: "Score", numeric: true, value: (t) => t.score, cell: (t) => signed(t.score) },
    { key: "confidence", label: "Confidence", numeric: true, value: (t) => t.confidence, cell: (t) => t.confidence.toFixed(2) },
    { key: "count", label: "Statements", numeric: true, value: (t) => t.count },
  ], targets);
}

// -- downloads: the server's exporters (the CLI's files) ---------------------------------------------------

async function download(event) {
  const button = event.target.closest("button[data-format]");
  if (!button) return;
  const panel = button.closest("[id$=result]");
  const current = panel.id === "result" ? state.article : state.corpus;
  const error = $(".download-error", panel);
  say(error, "");
  const response = await fetch(`/web/export?format=${button.dataset.format}`, { method: "POST",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ analyses: current.analyses }) });
  if (!response.ok) {
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    say(error, problems(response.status, data).map((p) => p.message).join(" "));
    return;
  }
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name ? name[1] : `stance-analysis.${button.dataset.format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// -- the corpus view ---------------------------------------------------------------------------------------

// A Parquet file goes base64-encoded (JSON carries no bytes); JSONL and CSV go as text.
async function uploadBody(file) {
  if (!/\.parquet$/i.test(file.name)) return { filename: file.name, content: await file.text() };
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { filename: file.name, content_base64: btoa(binary) };
}

async function analyseCorpus(event) {
  event.preventDefault();
  const error = $("#corpus-error"), command = $("#corpus-command"), status = $("#corpus-status");
  say(error, ""); say(command, ""); list($("#corpus-warnings"), []);
  const file = $("#corpus-file").files[0];
  if (!file) { say(error, "Choose a file of articles, or the output of a batch run, first."); return; }
  const button = $("#analyze-corpus");
  button.disabled = true;
  try {
    say(status, `Reading ${file.name}\u2026`);
    const read = await postJSON("/web/corpus", await uploadBody(file));
    if (!read.ok) {
      say(status, "");
      say(error, problems(read.status, read.data).map((p) => p.message).join(" "));
      if (read.data && read.data.command) say(command, read.data.command);
      return;
    }
    const { kind, articles, rejects } = read.data;
    const warnings = rejects.map((r) => `Row ${r.row} skipped: ${r.error}.`);
    list($("#corpus-warnings"), warnings);
    if (kind === "analyses") {
      read.data.analyses.forEach((a, i) => a.warnings.forEach((w) => warnings.push(`${articles[i].id}: ${w}`)));
      list($("#corpus-warnings"), warnings);
      say(status, `Opened ${articles.length} articles from ${file.name} (${read.data.source}); ` +
        "the article view shows their statements, not the text between them.");
      showCorpus(articles, read.data.analyses);
      return;
    }
    if (!articles.length) { say(status, ""); say(error, `${file.name}: no row holds an article.`); return; }
    say(status, `Analysing ${articles.length} articles\u2026`);
    const result = await postJSON("/analyze_batch", { articles });
    if (!result.ok) {
      say(status, "");
      say(error, problems(result.status, result.data).map((p) => (p.loc.length > 1 ? `Article ${articles[p.loc[1]] ? articles[p.loc[1]].id : p.loc[1]}: ` : "") + p.message).join(" "));
      return;
    }
    result.data.forEach((a, i) => a.warnings.forEach((w) => warnings.push(`${articles[i].id}: ${w}`)));
    list($("#corpus-warnings"), warnings);
    say(status, `Done: ${articles.length} articles.`);
    showCorpus(articles, result.data);
  } catch (err) {
    say(status, "");
    say(error, `Could not read or analyse ${file.name}: ${err.message}.`);
  } finally {
    button.disabled = false;
  }
}

function showCorpus(articles, analyses) {
  state.corpus = { analyses, articles };
  const edges = corpusEdges(analyses);
  const names = actorNames(analyses);
  const labels = articles.map((a) => `Article ${a.id}`);
  const panel = $("#corpus-result");
  panel.hidden = false;
  const open = (e) => openInArticleView(articles[e.article].text, analyses[e.article], e);
  const onSelect = (edge) => showEvidence(panel, edge, names, open, labels);
  drawNetwork(panel, nodesOf(analyses, edges), edges, onSelect);
  pairTable($("#dyads-table"), edges, names, true, (edge) => selectEdge(panel, edge));
}

function openInArticleView(text, analysis, evidence) {
  const pair = analysis.pairs.find((p) => p.evidence.some((e) => e.statement === evidence.statement &&
    e.text === evidence.text));
  showTab("article");
  $("#text").value = text;
  clearArticleMessages();
  showArticle(analysis, text, pair ? { holder: pair.holder || "author", target: pair.target } : null);
  focusStatement(evidence.statement);
}

// -- wiring ------------------------------------------------------------------------------------------------

function showTab(name) {
  for (const view of ["article", "corpus"]) {
    $(`#tab-${view}`).setAttribute("aria-selected", view === name ? "true" : "false");
    $(`#${view}-view`).hidden = view !== name;
  }
}

async function readTextFile(file) {
  say($("#file-error"), "");
  if (!/\.txt$/i.test(file.name) && file.type !== "text/plain") {
    say($("#file-error"), `${file.name} is not a .txt file: expected plain text. Fix: save the article as .txt, or paste it.`);
    return;
  }
  $("#text").value = await file.text();
}

async function showLimits() {
  try {
    const response = await fetch("/info");
    if (!response.ok) return;
    const limits = (await response.json()).limits;
    for (const el of document.querySelectorAll(".limit-chars")) el.textContent = limits.max_article_chars_per_request.toLocaleString("en");
    for (const el of document.querySelectorAll(".limit-articles")) el.textContent = String(limits.max_articles_per_request);
  } catch (err) {
    // the defaults in the page stay
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const form = $("#article-form");
  form.addEventListener("submit", analyseArticle);
  $("#corpus-form").addEventListener("submit", analyseCorpus);
  $("#file").addEventListener("change", (event) => event.target.files[0] && readTextFile(event.target.files[0]));
  const text = $("#text");
  text.addEventListener("dragover", (event) => { event.preventDefault(); text.classList.add("dropping"); });
  text.addEventListener("dragleave", () => text.classList.remove("dropping"));
  text.addEventListener("drop", (event) => {
    event.preventDefault();
    text.classList.remove("dropping");
    if (event.dataTransfer.files[0]) readTextFile(event.dataTransfer.files[0]);
  });
  const article = $("#article");
  article.addEventListener("mouseover", showCard);
  article.addEventListener("focusin", showCard);
  article.addEventListener("mouseout", (event) => event.target.closest(".mention") && hideCard());
  article.addEventListener("focusout", () => hideCard());
  document.addEventListener("keydown", hideCard);
  for (const panel of document.querySelectorAll(".downloads")) panel.addEventListener("click", download);
  $("#tab-article").addEventListener("click", () => showTab("article"));
  $("#tab-corpus").addEventListener("click", () => showTab("corpus"));
  showLimits();
});
