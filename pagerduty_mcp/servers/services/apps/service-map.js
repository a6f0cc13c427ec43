// The service map: technical and business services, their dependencies both ways and their status.
// Selecting one shows what fails with it (everything that depends on it, directly or not) and what
// it needs. The List view says the same in a table.
const { h, s, $, fill } = kit;
const MAX_WALK = 60;  // services whose dependencies are read; a larger account is cut, and says so
const state = { args: {}, nodes: new Map(), edges: [], selected: null, mode: "map", url: {}, cut: 0, detail: {}, center: null };
const OPEN_BY_STATUS = { critical: "high urgency", warning: "low urgency only", active: "none" };
const STATUS = {
  critical: ["danger", "●", "Critical"],
  warning: ["warn", "◐", "Warning"],
  maintenance: ["info", "◇", "Maintenance"],
  disabled: ["plain", "⊘", "Disabled"],
  active: ["ok", "✓", "OK"],
  impacted: ["danger", "▲", "Impacted"],
  unknown: ["plain", "?", "Status unknown"],
};

function node(id, facts) {
  if (!state.nodes.has(id)) state.nodes.set(id, { id, name: id, kind: "technical" });
  const n = state.nodes.get(id);
  for (const [key, value] of Object.entries(facts || {})) if (value !== undefined && value !== null) n[key] = value;
  return n;
}

function link(from, to) {
  if (from !== to && !state.edges.some((e) => e.from === from && e.to === to)) state.edges.push({ from, to });
}

function dependenciesOf(id) {
  return state.edges.filter((e) => e.from === id).map((e) => e.to);
}

function dependentsOf(id) {
  return state.edges.filter((e) => e.to === id).map((e) => e.from);
}

// Everything reachable from `id` one way: how many steps away, and through which service.
function reach(id, next) {
  const found = new Map();
  let frontier = [id];
  for (let depth = 1; frontier.length; depth++) {
    const following = [];
    for (const at of frontier) {
      for (const other of next(at)) {
        if (other === id || found.has(other)) continue;
        found.set(other, { depth, via: at === id ? null : at });
        following.push(other);
      }
    }
    frontier = following;
  }
  return found;
}

// A business service has no status of its own: it is impacted when something it needs is not well.
function statusOf(n) {
  if (n.kind === "business" || !n.status) {
    const troubled = [...reach(n.id, dependenciesOf).keys()].map((id) => state.nodes.get(id))
      .filter((d) => d && (d.status === "critical" || d.status === "warning"));
    if (troubled.length) return "impacted";
    return n.kind === "business" ? "active" : n.status || "unknown";
  }
  return n.status;
}

function pill(status) {
  const [tone, icon, word] = STATUS[status] || STATUS.unknown;
  return h("span", { class: "pill " + tone }, h("span", { "aria-hidden": "true" }, icon), word);
}

// -- layout --------------------------------------------------------------------------------------
function ranks() {
  const memo = new Map();
  const rank = (id, seen) => {
    if (memo.has(id)) return memo.get(id);
    if (seen.has(id)) return 0;  // a cycle: stop here
    seen.add(id);
    const below = dependenciesOf(id).map((d) => rank(d, seen));
    seen.delete(id);
    const value = below.length ? 1 + Math.max(...below) : 0;
    memo.set(id, value);
    return value;
  };
  const rows = new Map();
  const alone = [];
  for (const n of state.nodes.values()) {
    if (!dependenciesOf(n.id).length && !dependentsOf(n.id).length) {
      alone.push(n);
      continue;
    }
    const r = rank(n.id, new Set());
    if (!rows.has(r)) rows.set(r, []);
    rows.get(r).push(n);
  }
  const ordered = [...rows.entries()].sort((a, b) => b[0] - a[0]).map(([, list]) => list);
  // Each row under the mean place of what depends on it, so fewer lines cross.
  const place = new Map();
  ordered.forEach((row, index) => {
    const score = (n) => {
      const above = dependentsOf(n.id).filter((id) => place.has(id)).map((id) => place.get(id));
      return above.length ? above.reduce((a, b) => a + b, 0) / above.length : Infinity;
    };
    row.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "business" ? -1 : 1) || score(a) - score(b) || a.name.localeCompare(b.name));
    row.forEach((n, i) => place.set(n.id, index * 1000 + (i + 0.5) / row.length));
  });
  return { rows: ordered, alone: alone.sort((a, b) => a.name.localeCompare(b.name)) };
}

// -- drawing -------------------------------------------------------------------------------------
function render() {
  const count = state.nodes.size;
  const critical = [...state.nodes.values()].filter((n) => n.status === "critical").length;
  const impacted = [...state.nodes.values()].filter((n) => n.kind === "business" && statusOf(n) === "impacted").length;
  fill($("summary"), count + " services, " + state.edges.length + " dependencies · " + critical + " critical · " +
    impacted + " business service" + (impacted === 1 ? "" : "s") + " impacted" +
    (state.cut ? " · the dependencies of " + state.cut + " more were not read" : ""));
  $("as-map").setAttribute("aria-pressed", String(state.mode === "map"));
  $("as-list").setAttribute("aria-pressed", String(state.mode === "list"));
  fill($("view"), state.mode === "map" ? mapView() : listView());
  if (state.mode === "map") requestAnimationFrame(drawEdges);
  renderDetail(false);
  $("map-app").setAttribute("aria-busy", "false");
}

function mapView() {
  const { rows, alone } = ranks();
  const highlight = selection();
  const button = (n) => {
    const status = statusOf(n);
    const classes = ["node", n.kind, status];
    if (highlight) {
      if (n.id === state.selected) classes.push("selected");
      else if (highlight.up.has(n.id)) classes.push("affected");
      else if (highlight.down.has(n.id)) classes.push("needed");
      else classes.push("dim");
    }
    return h("button", {
      type: "button", class: classes.join(" "), "data-id": n.id, "aria-pressed": String(n.id === state.selected),
      onclick: () => select(n.id === state.selected ? null : n.id, false),
    }, h("span", { class: "name" }, n.name), h("span", { class: "row" }, pill(status),
      h("span", { class: "kind" }, n.kind === "business" ? "Business service" : "")));
  };
  const key = highlight ? h("p", { class: "row small selection-key" },
    h("span", { class: "swatch up", "aria-hidden": "true" }), "depends on " + (state.nodes.get(state.selected) || {}).name + " (fails with it)",
    h("span", { class: "swatch down", "aria-hidden": "true" }), "what it needs") : null;
  return h("div", { class: "map", id: "map" }, key,
    s("svg", { class: "edges", "aria-hidden": "true" }),
    rows.map((row) => h("div", { class: "rank", role: "group", "aria-label": row[0].kind === "business" ? "What customers use" : "Services" }, row.map(button))),
    alone.length ? h("div", { class: "rank", role: "group", "aria-label": "No dependencies recorded" },
      h("span", { class: "rank-label" }, "No dependencies recorded"), alone.map(button)) : null);
}

function drawEdges() {
  const map = $("map");
  if (!map) return;
  const svg = map.querySelector("svg.edges");
  const box = map.getBoundingClientRect();
  const at = (id) => {
    const el = map.querySelector('.node[data-id="' + CSS.escape(id) + '"]');
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { x: r.left - box.left + r.width / 2, top: r.top - box.top, bottom: r.bottom - box.top };
  };
  const highlight = selection();
  const marker = (name) => s("marker", { id: "arrow-" + name, class: name, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "9", markerHeight: "9", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
    s("path", { d: "M0,0 L10,5 L0,10 z" }));
  const paths = state.edges.map((e) => {
    const [a, b] = [at(e.from), at(e.to)];
    if (!a || !b) return null;
    let kind = "";
    if (highlight) {
      if (highlight.up.has(e.from) && (e.to === state.selected || highlight.up.has(e.to))) kind = "up";
      else if ((e.from === state.selected || highlight.down.has(e.from)) && highlight.down.has(e.to)) kind = "down";
      else kind = "faint";
    }
    const [y1, y2] = b.top > a.bottom ? [a.bottom, b.top] : [a.top, b.bottom];
    const bend = (y2 - y1) / 2;
    return s("path", { class: kind, d: `M${a.x},${y1} C${a.x},${y1 + bend} ${b.x},${y2 - bend} ${b.x},${y2}`, "marker-end": "url(#arrow-" + (kind === "up" || kind === "down" ? kind : "plain") + ")" });
  });
  kit.fill(svg, s("defs", {}, marker("plain"), marker("up"), marker("down")), paths);
}

function selection() {
  if (!state.selected) return null;
  return { up: reach(state.selected, dependentsOf), down: reach(state.selected, dependenciesOf) };
}

function listView() {
  const nodes = [...state.nodes.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "business" ? -1 : 1) || a.name.localeCompare(b.name));
  const namesOf = (ids) => ids.map((id) => (state.nodes.get(id) || { name: id }).name).sort().join(", ") || "–";
  return h("table", { class: "data" },
    h("caption", { class: "visually-hidden" }, "Services, their status, and their dependencies both ways"),
    h("thead", {}, h("tr", {}, ["Service", "Kind", "Status", "Depends on", "Depended on by", "If it fails"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, nodes.map((n) => h("tr", {},
      h("th", { scope: "row" }, h("button", { type: "button", class: "btn link", onclick: () => select(n.id, true) }, n.name)),
      h("td", {}, n.kind === "business" ? "Business" : "Technical"),
      h("td", {}, pill(statusOf(n))),
      h("td", {}, namesOf(dependenciesOf(n.id))),
      h("td", {}, namesOf(dependentsOf(n.id))),
      h("td", {}, reach(n.id, dependentsOf).size + " affected")))));
}

// -- the selected service --------------------------------------------------------------------------
function select(id, focus) {
  state.selected = id;
  render();
  if (id) {
    kit.say((state.nodes.get(id) || {}).name + ": " + reach(id, dependentsOf).size + " services depend on it");
    if (focus) $("detail-title").focus();
    loadDetail(id);
  }
}

function renderDetail(focus) {
  const panel = $("detail");
  const n = state.selected && state.nodes.get(state.selected);
  $("layout").classList.toggle("with-detail", Boolean(n));
  if (!n) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const up = reach(n.id, dependentsOf);
  const down = reach(n.id, dependenciesOf);
  const entry = ([id, how]) => {
    const other = state.nodes.get(id) || { id, name: id };
    return h("li", {}, h("button", { type: "button", class: "btn link", onclick: () => select(id, true) }, other.name), pill(statusOf(other)),
      h("span", { class: "via" }, how.via ? "through " + (state.nodes.get(how.via) || { name: how.via }).name : "directly"));
  };
  const byDepth = (map) => [...map.entries()].sort((a, b) => a[1].depth - b[1].depth || (state.nodes.get(a[0]) || {}).name.localeCompare((state.nodes.get(b[0]) || {}).name));
  const open = state.detail[n.id];
  const url = state.url[n.kind] && state.url[n.kind].replace("{id}", n.id);
  const business = up.size ? [...up.keys()].filter((id) => (state.nodes.get(id) || {}).kind === "business").length : 0;
  fill(panel,
    h("div", { class: "head" },
      h("h2", { id: "detail-title", tabindex: "-1" }, n.name),
      h("button", { type: "button", class: "btn", onclick: () => select(null), "aria-label": "Close " + n.name }, "Close")),
    h("p", { class: "row" }, pill(statusOf(n)), h("span", { class: "muted small" }, n.kind === "business" ? "Business service" : "Technical service")),
    n.teams && n.teams.length ? h("p", { class: "muted small" }, "Team: " + n.teams.map((t) => t.name || t.id).join(", ")) : null,
    open ? h("p", { class: "small" }, "Open incidents: " + open) : null,
    h("p", { class: "impact message " + (up.size ? "error" : "ok") },
      up.size ? "If " + n.name + " fails, " + up.size + " service" + (up.size === 1 ? "" : "s") + " depend" + (up.size === 1 ? "s" : "") + " on it" +
        (business ? ", " + business + " of them what customers use." : ".") : "Nothing depends on " + n.name + "."),
    up.size ? [h("h3", {}, "What depends on it (" + up.size + ")"), h("ul", {}, byDepth(up).map(entry))] : null,
    down.size ? [h("h3", {}, "What it depends on (" + down.size + ")"), h("ul", {}, byDepth(down).map(entry))] : null,
    url ? h("p", { class: "open-link" }, h("button", { type: "button", class: "btn link", onclick: () => kit.openLink(url) }, "Open in PagerDuty")) : null);
  if (focus) $("detail-title").focus();
}

async function loadDetail(id) {
  const n = state.nodes.get(id);
  if (!n || n.kind !== "technical" || state.detail[id] || !kit.can("get_service")) return;
  try {
    const service = kit.rows(await kit.callTool("get_service", { service_id: id }))[0];
    // PagerDuty sets a service's status from its open incidents: the status says which there are.
    state.detail[id] = OPEN_BY_STATUS[service.status] || null;
    if (service.status) n.status = service.status;
    if (state.selected === id) render();
  } catch (failure) {
    state.detail[id] = null;
  }
}

// -- reading -------------------------------------------------------------------------------------
async function readLists() {
  const reads = [];
  if (kit.can("list_services")) {
    reads.push(kit.callTool("list_services", { limit: 100 }).then((answer) => {
      state.url.technical = answer.metadata.url;
      for (const r of kit.rows(answer)) node(r.id, { name: r.name, kind: "technical", status: r.status, teams: r.teams });
    }));
  }
  if (kit.can("list_business_services")) {
    reads.push(kit.callTool("list_business_services", { limit: 100 }).then((answer) => {
      state.url.business = answer.metadata.url;
      for (const r of kit.rows(answer)) node(r.id, { name: r.name, kind: "business", teams: r.team ? [r.team] : undefined });
    }));
  }
  await Promise.all(reads);
}

function addDependencies(id, envelope) {
  const center = (envelope.metadata || {}).service;
  if (center) node(center.id, { name: center.name });
  for (const d of kit.rows(envelope)) {
    node(d.id, { name: d.name, kind: d.kind, status: d.kind === "technical" ? d.status : undefined });
    if (d.relation === "depends_on") link(id, d.id);
    else link(d.id, id);
  }
}

async function walk() {
  if (!kit.can("get_service_dependencies")) return;
  const done = new Set();
  const queue = () => {
    const all = [...state.nodes.keys()];
    const first = state.center ? [state.center, ...all.filter((id) => id !== state.center)] : all;
    return first.filter((id) => !done.has(id));
  };
  let todo = queue();
  while (todo.length && done.size < MAX_WALK) {
    const batch = todo.slice(0, Math.min(4, MAX_WALK - done.size));
    batch.forEach((id) => done.add(id));
    await Promise.all(batch.map(async (id) => {
      try {
        addDependencies(id, await kit.callTool("get_service_dependencies", { service_id: id }));
      } catch (failure) {
        if (failure.code !== "SERVICE_NOT_FOUND") fill($("problem"), kit.problem(failure));
      }
    }));
    todo = queue();
  }
  state.cut = queue().length;
}

async function drawn(envelope) {
  if (envelope.services) {
    state.url.technical = envelope.metadata.url;
    for (const r of kit.rows(envelope)) node(r.id, { name: r.name, kind: "technical", status: r.status, teams: r.teams });
  }
  if (envelope.dependencies) {
    const center = envelope.metadata.service;
    state.center = center.id;
    addDependencies(center.id, envelope);
    state.selected = center.id;
  }
  render();
  await readLists();
  render();
  await walk();
  render();
  if (state.selected) loadDetail(state.selected);
}

$("as-map").addEventListener("click", () => {
  state.mode = "map";
  render();
});
$("as-list").addEventListener("click", () => {
  state.mode = "list";
  render();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.selected) select(null);
});
new ResizeObserver(() => requestAnimationFrame(drawEdges)).observe($("view"));

kit.connect("service-map", {
  input(args) {
    state.args = args;
  },
  result(result) {
    let envelope;
    try {
      envelope = kit.envelopeOf(result);
    } catch (failure) {
      fill($("problem"), kit.problem(failure));
      return;
    }
    drawn(envelope).catch((failure) => fill($("problem"), kit.problem(failure)));
  },
  context() {
    requestAnimationFrame(drawEdges);
  },
}).catch((failure) => fill($("problem"), kit.problem(failure)));
