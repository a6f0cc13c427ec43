// The incident board: open incidents by service and urgency; one opened shows its timeline and,
// with write tools, the responder's actions, each through the host (which asks the person first
// where the server says so).
const { h, $, fill } = kit;
const state = { args: {}, envelope: null, facts: {}, team: "", open: null, busy: false };
const STATUS = {
  triggered: ["danger", "●", "Triggered"],
  acknowledged: ["warn", "◐", "Acknowledged"],
  resolved: ["ok", "✓", "Resolved"],
};
const LOG_WORDS = {
  trigger: "Triggered", acknowledge: "Acknowledged", resolve: "Resolved", assign: "Assigned",
  escalate: "Escalated", annotate: "Note", notify: "Notified", unacknowledge: "Unacknowledged",
  reach_trigger_limit: "Trigger limit", urgency_change: "Urgency changed", priority_change: "Priority changed",
  snooze: "Snoozed", link: "Linked", repeat_escalation_path: "Escalation repeated",
};

function statusPill(status) {
  const [tone, icon, word] = STATUS[status] || ["plain", "○", status || "unknown"];
  return h("span", { class: "pill " + tone }, h("span", { "aria-hidden": "true" }, icon), word);
}

function names(refs) {
  return (refs || []).map((r) => r.name || r.id).join(", ");
}

// The answer says a resolved incident's status by its resolved_at alone: said again here, where it is drawn.
function withStatuses(envelope) {
  for (const incident of kit.rows(envelope)) {
    if (!incident.status && incident.resolved_at) incident.status = "resolved";
  }
  return envelope;
}

function incidents() {
  const all = state.envelope ? kit.rows(state.envelope) : [];
  if (!state.team) return all;
  return all.filter((i) => ((state.facts[i.id] || {}).teams || []).some((t) => t.id === state.team));
}

function levelText(facts) {
  if (!facts || !facts.escalation_policy) return "";
  const policy = facts.escalation_policy.name || facts.escalation_policy.id;
  if (!facts.level) return policy;
  const level = "level " + facts.level + (facts.levels ? " of " + facts.levels : "");
  return (facts.level > 1 ? "Escalated to " + level : level[0].toUpperCase() + level.slice(1)) + " · " + policy;
}

function render() {
  const list = incidents();
  const all = kit.rows(state.envelope);
  const triggered = list.filter((i) => i.status === "triggered").length;
  const high = list.filter((i) => i.urgency === "high").length;
  const meta = state.envelope.metadata || {};
  const shown = state.team ? list.length + " of " + all.length : String(list.length);
  const summary = [
    shown + " incident" + (list.length === 1 ? "" : "s"),
    triggered + " triggered",
    list.length - triggered + " acknowledged",
    high + " high urgency",
  ];
  if (meta.has_more) summary.push("more than shown: narrow the question or refresh with a larger limit");
  fill($("summary"), summary.join(" · "));
  renderTeams();
  $("refresh").hidden = !kit.can("list_incidents");
  const groups = new Map();
  for (const incident of list) {
    // Rows name their service (a service's name is unique in an account).
    const service = incident.service || "No service";
    if (!groups.has(service)) groups.set(service, { service, items: [] });
    groups.get(service).items.push(incident);
  }
  const weight = (g) => [
    -g.items.filter((i) => i.status === "triggered" && i.urgency === "high").length,
    -g.items.filter((i) => i.urgency === "high").length,
    g.service,
  ];
  const ordered = [...groups.values()].sort((a, b) => {
    const [x, y] = [weight(a), weight(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2].localeCompare(y[2]);
  });
  if (!ordered.length) {
    fill($("groups"), h("p", { class: "message ok" }, state.team ? "No open incidents for this team." : "No open incidents."));
  } else {
    fill($("groups"), ordered.map(serviceBlock));
  }
  $("board").setAttribute("aria-busy", "false");
  if (state.open && !all.some((i) => i.id === state.open)) closeDetail();
  else if (state.open) renderDetail(false);
}

function renderTeams() {
  const teams = new Map();
  for (const facts of Object.values(state.facts)) for (const team of facts.teams || []) teams.set(team.id, team.name || team.id);
  $("team-filter").hidden = teams.size < 1;
  const options = [h("option", { value: "" }, "All teams")];
  for (const [id, name] of [...teams].sort((a, b) => a[1].localeCompare(b[1]))) {
    options.push(h("option", { value: id, selected: id === state.team }, name));
  }
  fill($("team"), options);
}

function serviceBlock(group) {
  const high = group.items.filter((i) => i.urgency === "high");
  const low = group.items.filter((i) => i.urgency !== "high");
  const triggered = group.items.filter((i) => i.status === "triggered").length;
  return h("section", { class: "service", "aria-label": group.service },
    h("header", {},
      h("h2", {}, group.service),
      h("span", { class: "count" }, group.items.length + " open" + (triggered ? ", " + triggered + " triggered" : ""))),
    h("div", { class: "lanes" }, lane("High urgency", "high", high), lane("Low urgency", "low", low)));
}

// One urgency of a service: triggered before acknowledged, the longest waiting first.
function lane(title, kind, items) {
  if (!items.length) return null;
  const sorted = [...items].sort((a, b) => (a.status === "triggered" ? 0 : 1) - (b.status === "triggered" ? 0 : 1) ||
    String(a.created_at).localeCompare(String(b.created_at)));
  return h("div", { class: "lane " + kind, role: "group", "aria-label": title },
    h("h3", {}, h("span", { class: "mark", "aria-hidden": "true" }), title + " · " + items.length),
    h("ul", {}, sorted.map((i) => h("li", {}, card(i)))));
}

function card(incident) {
  const facts = state.facts[incident.id] || {};
  const age = Date.now() - new Date(incident.created_at).getTime();
  const who = [names(incident.assignees) || "Unassigned"];
  const level = levelText(facts);
  return h("button", {
    type: "button", class: "incident " + incident.status, "data-id": incident.id,
    "aria-expanded": state.open === incident.id ? "true" : "false", "aria-controls": "detail",
    onclick: () => openDetail(incident.id),
  },
  h("span", { class: "top" },
    statusPill(incident.status),
    h("span", { class: "num" }, "#" + incident.number),
    incident.priority ? h("span", { class: "pill plain" }, incident.priority) : null,
    h("span", { class: "age" + (age > 4 * 3600000 && incident.status === "triggered" ? " old" : ""), title: "Opened " + kit.format(incident.created_at, { dateStyle: "medium", timeStyle: "short" }) },
      h("span", { class: "visually-hidden" }, "open for "), kit.duration(age))),
  h("span", { class: "title" }, incident.title || "(no title)"),
  h("span", { class: "who" }, who.join(""), level ? [" · ", h("span", { class: "level" + (facts.level > 1 ? " up" : "") }, level)] : null));
}

function openDetail(id) {
  state.open = state.open === id ? null : id;
  if (!state.open) return closeDetail();
  renderDetail(true);
  for (const button of document.querySelectorAll(".incident")) {
    button.setAttribute("aria-expanded", button.dataset.id === state.open ? "true" : "false");
  }
}

function closeDetail() {
  const was = state.open;
  state.open = null;
  $("detail").hidden = true;
  $("layout").classList.remove("with-detail");
  for (const button of document.querySelectorAll(".incident")) button.setAttribute("aria-expanded", "false");
  const back = was && document.querySelector('.incident[data-id="' + CSS.escape(was) + '"]');
  if (back) back.focus();
}

function renderDetail(focus) {
  const incident = kit.rows(state.envelope).find((i) => i.id === state.open);
  if (!incident) return closeDetail();
  const facts = state.facts[incident.id] || {};
  const panel = $("detail");
  panel.hidden = false;
  $("layout").classList.add("with-detail");
  const url = kit.urlOf(incident, state.envelope);
  fill(panel,
    h("div", { class: "head" },
      h("h2", { id: "detail-title", tabindex: "-1" }, "#" + incident.number + " " + (incident.title || "")),
      h("button", { type: "button", class: "btn", onclick: closeDetail, "aria-label": "Close the incident" }, "Close")),
    h("dl", { class: "facts" },
      h("dt", {}, "Status"), h("dd", {}, statusPill(incident.status)),
      h("dt", {}, "Urgency"), h("dd", {}, incident.urgency === "high" ? "High" : "Low"),
      incident.priority ? [h("dt", {}, "Priority"), h("dd", {}, incident.priority)] : null,
      h("dt", {}, "Service"), h("dd", {}, incident.service || ""),
      h("dt", {}, "Assigned to"), h("dd", {}, names(incident.assignees) || "Nobody"),
      facts.escalation_policy ? [h("dt", {}, "Escalation"), h("dd", {}, levelText(facts))] : null,
      (facts.teams || []).length ? [h("dt", {}, "Teams"), h("dd", {}, names(facts.teams))] : null,
      h("dt", {}, "Opened"), h("dd", {}, kit.format(incident.created_at, { dateStyle: "medium", timeStyle: "short" }),
        " (" + kit.duration(Date.now() - new Date(incident.created_at).getTime()) + " ago)")),
    actions(incident, facts),
    h("div", { id: "outcome", role: "status", "aria-live": "polite" }),
    url ? h("p", {}, h("button", { type: "button", class: "btn link", onclick: () => kit.openLink(url) }, "Open in PagerDuty")) : null,
    h("h3", {}, "Timeline"),
    h("div", { id: "timeline" }, h("p", { class: "muted small" }, "Loading the timeline…")));
  if (focus) $("detail-title").focus();
  loadTimeline(incident.id);
}

function actions(incident, facts) {
  if (!kit.can("manage_incidents") && !kit.can("add_note_to_incident")) {
    return h("p", { class: "message info small" }, "Read-only: start the server with --enable-write-tools to act from here.");
  }
  const id = incident.id;
  const buttons = [];
  if (kit.can("manage_incidents")) {
    if (incident.status === "triggered") {
      buttons.push(h("button", { type: "button", class: "btn primary", onclick: () => act("Acknowledged", "manage_incidents", { incident_ids: [id], status: "acknowledged" }) }, "Acknowledge"));
    }
    buttons.push(h("button", { type: "button", class: "btn", onclick: () => act("Resolved", "manage_incidents", { incident_ids: [id], status: "resolved" }) }, "Resolve"));
    if (facts.level && facts.levels && facts.level < facts.levels) {
      buttons.push(h("button", { type: "button", class: "btn danger", onclick: () => act("Escalated", "manage_incidents", { incident_ids: [id], escalation_level: facts.level + 1 }) }, "Escalate to level " + (facts.level + 1)));
    }
  }
  // No <form>: a host's sandbox may refuse form submission; buttons and Enter do the same here.
  const forms = [];
  if (kit.can("manage_incidents")) {
    const who = h("input", { type: "text", id: "reassign-to", autocomplete: "off", placeholder: "Name or email" });
    const reassign = () => {
      if (who.value.trim()) act("Reassigned", "manage_incidents", { incident_ids: [id], assignee_ids: [who.value.trim()] });
    };
    who.addEventListener("keydown", (event) => event.key === "Enter" && reassign());
    forms.push(h("div", { class: "field" }, h("label", { for: "reassign-to" }, "Reassign to"),
      h("div", { class: "inline" }, who, h("button", { type: "button", class: "btn", onclick: reassign }, "Reassign"))));
  }
  if (kit.can("add_note_to_incident")) {
    const note = h("textarea", { id: "note-text", rows: "2", maxlength: "25000" });
    const add = () => {
      if (note.value.trim()) act("Note added", "add_note_to_incident", { incident_id: id, note: note.value.trim() });
    };
    note.addEventListener("keydown", (event) => event.key === "Enter" && (event.ctrlKey || event.metaKey) && add());
    forms.push(h("div", { class: "field" }, h("label", { for: "note-text" }, "Add a note (Ctrl+Enter adds it)"), note,
      h("div", {}, h("button", { type: "button", class: "btn", onclick: add }, "Add note"))));
  }
  return h("div", { class: "actions" }, buttons.length ? h("div", { class: "row" }, buttons) : null, forms);
}

async function act(done, tool, args) {
  if (state.busy) return;
  state.busy = true;
  for (const control of $("detail").querySelectorAll("button, input, textarea")) control.disabled = true;
  fill($("outcome"), h("p", { class: "message info" }, "Working…"));
  try {
    const answer = await kit.callTool(tool, args);
    const text = done + ": " + ((answer.metadata || {}).description || "done");
    state.busy = false;
    await refresh();
    fill($("outcome"), h("p", { class: "message ok" }, text));
    kit.say(text);
  } catch (failure) {
    state.busy = false;
    const declined = failure.code === "DECLINED";
    const text = declined ? "Nothing changed: the request was declined." : failure.message;
    for (const control of $("detail").querySelectorAll("button, input, textarea")) control.disabled = false;
    fill($("outcome"), h("p", { class: "message " + (declined ? "info" : "error"), role: "alert" }, text));
  }
}

async function loadTimeline(id) {
  if (!kit.can("list_log_entries")) {
    fill($("timeline"), h("p", { class: "muted small" }, "The timeline is not available on this connection."));
    return;
  }
  try {
    const answer = await kit.callTool("list_log_entries", { incident_id: id, overview: true, limit: 50 });
    if (state.open !== id) return;
    const entries = kit.rows(answer);
    if (!entries.length) return fill($("timeline"), h("p", { class: "muted small" }, "No entries yet."));
    // The entry's kind in words, unless its summary starts by saying it ("Escalated to level 2: …").
    const said = (e) => {
      const word = LOG_WORDS[e.type] || e.type;
      return String(e.summary || "").toLowerCase().startsWith(word.toLowerCase()) ? null : [h("strong", {}, word), " "];
    };
    fill($("timeline"), h("ol", { class: "timeline", "aria-label": "Timeline, newest first" }, entries.map((e) =>
      h("li", { class: e.type },
        h("time", { datetime: e.at }, kit.format(e.at, { dateStyle: "medium", timeStyle: "short" })),
        said(e), e.summary || "",
        e.by ? h("span", { class: "muted" }, " · " + (e.by.name || e.by.id)) : null,
        e.note ? h("span", { class: "note" }, e.note) : null))));
  } catch (failure) {
    if (state.open === id) fill($("timeline"), kit.problem(failure));
  }
}

async function refresh() {
  try {
    const answer = await kit.call("list_incidents", state.args);
    state.envelope = withStatuses(answer.envelope);
    state.facts = answer.meta.incidents || state.facts;
    render();
  } catch (failure) {
    fill($("problem"), kit.problem(failure));
  }
}

$("team").addEventListener("change", (event) => {
  state.team = event.target.value;
  render();
  kit.say(incidents().length + " incidents shown");
});
$("refresh").addEventListener("click", async () => {
  fill($("problem"));
  await refresh();
  kit.say("Refreshed: " + incidents().length + " incidents");
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.open) closeDetail();
});

kit.connect("incident-board", {
  input(args) {
    state.args = args;
  },
  result(result, meta) {
    try {
      state.envelope = withStatuses(kit.envelopeOf(result));
      state.facts = meta.incidents || {};
      fill($("problem"));
      render();
    } catch (failure) {
      fill($("summary"), "The incidents could not be read.");
      fill($("problem"), kit.problem(failure));
    }
  },
  cancelled() {
    fill($("summary"), "The request was cancelled.");
  },
}).catch((failure) => fill($("problem"), kit.problem(failure)));
