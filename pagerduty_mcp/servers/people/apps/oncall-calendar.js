// The on-call calendar: one or more schedules (layer- or shift-based) over the window asked, a week
// or a month, a row per person, overrides marked, and every moment no one is on call shown as a gap:
// red, striped and labelled. Times are in the viewer's time zone. The List view says it all in text.
const { h, $, fill } = kit;
const HOUR = 3600000;
const DAY = 24 * HOUR;
const state = {
  args: {},
  view: "window",  // the drawn call's own window, then "week" or "month"
  start: 0, end: 0,            // what is shown
  dataStart: 0, dataEnd: 0,    // what was read (the drawn window may not start at midnight)
  mode: "calendar",
  schedules: [],
  policy: null,    // an escalation policy's gaps, when the drawn call was about one
  choices: null,
};

function iso(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function t(value) {
  return new Date(value).getTime();
}

function startOfWeek(ms) {
  const day = kit.startOfDay(ms);
  const back = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(kit.wall(day).weekday);
  return kit.startOfDay(day, -back).getTime();
}

function monthOf(ms, plus) {
  const w = kit.wall(ms);
  return kit.localTime(w.year, w.month + (plus || 0), 1, 0).getTime();
}

function setPeriod(view, anchor) {
  state.view = view;
  if (view === "week") {
    state.start = startOfWeek(anchor);
    state.end = kit.startOfDay(state.start, 7).getTime();
  } else {
    state.start = monthOf(anchor, 0);
    state.end = monthOf(anchor, 1);
  }
  state.dataStart = state.start;
  state.dataEnd = state.end;
}

// -- what a schedule shows -----------------------------------------------------------------------
function covered(entry) {
  return (entry.shifts || []).map((s) => [Math.max(t(s.start), state.dataStart), Math.min(t(s.end), state.dataEnd), s])
    .filter(([a, b]) => b > a);
}

function gapsOf(entry) {
  const spans = covered(entry).sort((x, y) => x[0] - y[0]);
  const gaps = [];
  let at = state.dataStart;
  for (const [a, b] of spans) {
    if (a > at) gaps.push([at, a]);
    at = Math.max(at, b);
  }
  if (at < state.dataEnd) gaps.push([at, state.dataEnd]);
  return gaps;
}

// Each shift cut where an override of the same person starts or ends, so the covered part is marked.
function pieces(entry) {
  const out = [];
  const overrides = (entry.overrides || []).map((o) => [t(o.start), t(o.end), (o.user || {}).id]);
  for (const [a, b, shift] of covered(entry)) {
    const who = (shift.user || {}).id;
    const isOverride = String(shift.source || "").startsWith("override");
    const cuts = new Set([a, b]);
    for (const [oa, ob, user] of overrides) {
      if (user === who && ob > a && oa < b) {
        cuts.add(Math.max(oa, a));
        cuts.add(Math.min(ob, b));
      }
    }
    const points = [...cuts].sort((x, y) => x - y);
    for (let i = 0; i + 1 < points.length; i++) {
      const [pa, pb] = [points[i], points[i + 1]];
      const overridden = isOverride || overrides.some(([oa, ob, user]) => user === who && oa <= pa && ob >= pb);
      out.push({ user: shift.user, start: pa, end: pb, override: overridden });
    }
  }
  return out;
}

function people(entry) {
  const seen = new Map();
  for (const piece of pieces(entry).sort((x, y) => x.start - y.start)) {
    const user = piece.user || { id: "?", name: "Unknown" };
    if (!seen.has(user.id)) seen.set(user.id, { user, pieces: [] });
    seen.get(user.id).pieces.push(piece);
  }
  return [...seen.values()];
}

function span(a, b) {
  const sameDay = kit.startOfDay(a).getTime() === kit.startOfDay(b - 1).getTime();
  const from = kit.format(a, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const to = kit.format(b, sameDay ? { hour: "2-digit", minute: "2-digit" } : { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  return from + " – " + to;
}

function clock(ms) {
  return kit.format(ms, { hour: "2-digit", minute: "2-digit" });
}

// -- drawing -------------------------------------------------------------------------------------
function render() {
  const zoneWords = "Times in " + kit.zone + " (your time zone).";
  fill($("zone"), zoneWords);
  const label = state.view === "month" ? kit.format(state.start, { month: "long", year: "numeric" })
    : state.view === "week" ? span(state.start, state.end)
    : "Window asked: " + span(state.dataStart, state.dataEnd);
  fill($("period"), label);
  $("show-week").setAttribute("aria-pressed", String(state.view === "week"));
  $("show-month").setAttribute("aria-pressed", String(state.view === "month"));
  $("as-calendar").setAttribute("aria-pressed", String(state.mode === "calendar"));
  $("as-list").setAttribute("aria-pressed", String(state.mode === "list"));
  $("legend").hidden = state.mode !== "calendar";
  renderChoices();
  fill($("schedules"), state.policy ? policyBlock() : null, state.schedules.map(scheduleBlock));
  $("calendar").setAttribute("aria-busy", String(state.schedules.some((s) => s.loading)));
}

function coverageWords(entry) {
  const gaps = gapsOf(entry);
  const hours = gaps.reduce((sum, [a, b]) => sum + (b - a), 0) / HOUR;
  const share = 1 - (hours * HOUR) / Math.max(1, state.dataEnd - state.dataStart);
  if (!gaps.length) return h("span", { class: "pill ok coverage" }, h("span", { "aria-hidden": "true" }, "✓"), "Someone on call throughout");
  return h("span", { class: "pill danger coverage" }, h("span", { "aria-hidden": "true" }, "⚠"),
    gaps.length + (gaps.length === 1 ? " gap: " : " gaps: ") + kit.hours(hours) + " with no one on call · " + kit.percent(share) + " covered");
}

function scheduleBlock(entry) {
  const kind = entry.kind === "shifts" ? "Shift-based" : "Layers";
  const header = h("header", {},
    h("h2", {}, entry.name || entry.id),
    entry.kind ? h("span", { class: "pill plain" }, kind) : null,
    entry.time_zone && entry.time_zone !== kit.zone ? h("span", { class: "muted small" }, "schedule's zone: " + entry.time_zone) : null,
    entry.loading || entry.error ? null : coverageWords(entry),
    state.schedules.length > 1 ? h("button", { type: "button", class: "btn remove", "aria-label": "Remove " + (entry.name || entry.id), onclick: () => remove(entry) }, "×") : null);
  let body;
  if (entry.loading) body = h("p", { class: "pad muted" }, "Loading…");
  else if (entry.error) body = h("div", { class: "pad" }, kit.problem({ message: entry.error }));
  else body = state.mode === "list" ? listOf(entry) : timeline(entry);
  return h("section", { class: "schedule", "aria-label": entry.name || entry.id }, header, body);
}

function days() {
  const out = [];
  for (let day = state.start; day < state.end; day = kit.startOfDay(day, 1).getTime()) {
    out.push([day, Math.min(kit.startOfDay(day, 1).getTime(), state.end)]);
  }
  return out;
}

function place(el, a, b) {
  const whole = state.end - state.start;
  el.style.left = ((Math.max(a, state.start) - state.start) / whole) * 100 + "%";
  el.style.width = ((Math.min(b, state.end) - Math.max(a, state.start)) / whole) * 100 + "%";
  return el;
}

// What fits in a bar of this many milliseconds on the track as wide as it is now.
function fits(ms) {
  const width = Math.max(300, $("schedules").clientWidth - 152);
  return (ms / (state.end - state.start)) * width;
}

function shiftLabel(p) {
  const room = fits(p.end - p.start);
  const words = room > 78 ? clock(p.start) + "–" + clock(p.end) : room > 38 ? clock(p.start) : "";
  return p.override ? (words ? h("span", {}, room > 120 ? "Override " + words : words) : "") : words;
}

function gapLabel(a, b) {
  const room = fits(b - a);
  const hours = kit.hours((b - a) / HOUR);
  return room > 30 ? h("span", {}, room > 70 ? "GAP " + hours : hours) : "";
}

function timeline(entry) {
  const rows = people(entry);
  const gaps = gapsOf(entry);
  const month = state.view === "month";
  const now = Date.now();
  const dayLabels = days().map(([a, b]) => {
    const w = kit.wall(a);
    const today = a <= now && now < b;
    return place(h("div", { class: "day-label" + (today ? " today" : "") },
      h("b", {}, month ? String(w.day) : kit.format(a, { weekday: "short" })),
      month ? w.weekday.slice(0, 2) : kit.format(a, { day: "numeric", month: "short" })), a, b);
  });
  const layers = [];
  for (const [a, b] of days()) {
    const weekday = kit.wall(a).weekday;
    if (weekday === "Sat" || weekday === "Sun") layers.push(place(h("div", { class: "layer weekend" }), a, b));
    layers.push(place(h("div", { class: "layer day-line" }), a, a));
  }
  if (state.dataStart > state.start) layers.push(place(h("div", { class: "layer outside" }), state.start, state.dataStart));
  if (state.dataEnd < state.end) layers.push(place(h("div", { class: "layer outside" }), state.dataEnd, state.end));
  for (const [a, b] of gaps) layers.push(place(h("div", { class: "layer band" }), a, b));
  if (now > state.start && now < state.end) layers.push(place(h("div", { class: "layer now" }), now, now));
  const gapLane = h("div", { class: "lane" }, gaps.map(([a, b]) =>
    place(h("div", { class: "bar-item gap", title: "No one on call: " + span(a, b) + " (" + kit.hours((b - a) / HOUR) + ")" },
      gapLabel(a, b)), a, b)));
  const lanes = rows.map((row) => h("div", { class: "lane" }, row.pieces.map((p) =>
    place(h("div", {
      class: "bar-item shift" + (p.override ? " override" : ""),
      title: (row.user.name || row.user.id) + ": " + span(p.start, p.end) + (p.override ? " (override)" : ""),
    }, shiftLabel(p)), p.start, p.end))));
  const described = (entry.name || "The schedule") + ": " + rows.length + " people on call, " +
    (gaps.length ? gaps.length + " gaps with no one on call" : "no gaps") + ". The List view gives every shift and gap.";
  return h("div", { class: "cal", role: "img", "aria-label": described },
    h("div", { class: "names" },
      h("div", { class: "head" }),
      gaps.length
        ? h("div", { class: "nobody" }, h("span", { class: "icon", "aria-hidden": "true" }, "⚠"), "No one on call")
        : h("div", { class: "nobody none" }, h("span", { class: "icon", "aria-hidden": "true" }, "✓"), "Always covered"),
      rows.map((row) => h("div", { title: row.user.name || row.user.id }, row.user.name || row.user.id))),
    h("div", { class: "track" },
      h("div", { class: "days" }, dayLabels),
      h("div", { class: "lanes" }, layers, gapLane, lanes)));
}

function listOf(entry) {
  const rows = pieces(entry).map((p) => ({ who: (p.user || {}).name || (p.user || {}).id, start: p.start, end: p.end, override: p.override }));
  for (const [a, b] of gapsOf(entry)) rows.push({ who: null, start: a, end: b, gap: true });
  rows.sort((x, y) => x.start - y.start);
  return h("table", { class: "data" },
    h("caption", { class: "visually-hidden" }, (entry.name || entry.id) + ": who is on call, and when no one is"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Who"), h("th", { scope: "col" }, "From"), h("th", { scope: "col" }, "Until"), h("th", { scope: "col", class: "num" }, "Hours"))),
    h("tbody", {}, rows.map((r) => h("tr", { class: r.gap ? "gap-row" : r.override ? "override-row" : "" },
      h("td", {}, r.gap ? [h("span", { "aria-hidden": "true" }, "⚠ "), "No one on call (gap)"] : [r.who, r.override ? " (override)" : ""]),
      h("td", {}, kit.format(r.start, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })),
      h("td", {}, kit.format(r.end, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })),
      h("td", { class: "num" }, kit.hours((r.end - r.start) / HOUR))))));
}

function policyBlock() {
  const p = state.policy;
  const hours = p.gaps.reduce((sum, g) => sum + (t(g.end) - t(g.start)), 0) / HOUR;
  return h("section", { class: "schedule", "aria-label": "Escalation policy " + p.name },
    h("header", {}, h("h2", {}, p.name), h("span", { class: "pill plain" }, "Escalation policy, all levels"),
      p.gaps.length
        ? h("span", { class: "pill danger coverage" }, h("span", { "aria-hidden": "true" }, "⚠"), p.gaps.length + " gaps: " + kit.hours(hours) + " with no one at any level")
        : h("span", { class: "pill ok coverage" }, h("span", { "aria-hidden": "true" }, "✓"), "Someone at some level throughout")),
    h("div", { class: "pad" }, h("ul", {}, (p.levels || []).map((l) => h("li", {}, "Level " + l.level + ": ",
      l.uncovered_hours ? h("span", { class: "uncovered" }, kit.hours(l.uncovered_hours) + " with no one on call") : "covered throughout")))));
}

function renderChoices() {
  const label = $("add-schedule");
  if (!state.choices || !state.choices.length) {
    label.hidden = true;
    return;
  }
  const shown = new Set(state.schedules.map((s) => s.id));
  const left = state.choices.filter((c) => !shown.has(c.id));
  label.hidden = !left.length;
  fill($("schedule-choice"), h("option", { value: "" }, "Choose…"), left.map((c) => h("option", { value: c.id }, c.name || c.id)));
}

// -- reading -------------------------------------------------------------------------------------
async function load(entry) {
  entry.loading = true;
  entry.error = null;
  render();
  const range = { since: iso(state.dataStart), until: iso(state.dataEnd) };
  try {
    const schedule = kit.rows(await kit.callTool("get_schedule", Object.assign({ schedule_id: entry.id }, range)))[0];
    Object.assign(entry, { id: schedule.id, name: schedule.name, kind: schedule.kind, time_zone: schedule.time_zone, shifts: schedule.final_schedule || [] });
    entry.overrides = [];
    if (entry.kind !== "shifts" && kit.can("list_schedule_overrides")) {
      entry.overrides = kit.rows(await kit.callTool("list_schedule_overrides", Object.assign({ schedule_id: entry.id }, range)));
    }
  } catch (failure) {
    entry.error = failure.message;
  }
  entry.loading = false;
  render();
}

async function reloadAll() {
  render();
  await Promise.all(state.schedules.map(load));
  kit.say($("period").textContent + ": " + state.schedules.map((s) => (s.name || s.id) + ", " + gapsOf(s).length + " gaps").join("; "));
}

function add(id, name) {
  if (!id || state.schedules.some((s) => s.id === id)) return null;
  const entry = { id, name, shifts: [], overrides: [] };
  state.schedules.push(entry);
  return entry;
}

function remove(entry) {
  state.schedules = state.schedules.filter((s) => s !== entry);
  render();
}

async function loadChoices() {
  if (!kit.can("list_schedules")) return;
  try {
    state.choices = kit.rows(await kit.callTool("list_schedules", { limit: 100 }));
    render();
  } catch (failure) {
    state.choices = null;
  }
}

// The drawn result: a schedule (get_schedule), gaps (find_coverage_gaps) or on-calls (list_oncalls).
async function drawn(envelope) {
  const range = (envelope.metadata || {}).window;
  const now = Date.now();
  state.dataStart = range ? t(range.since) : now;
  state.dataEnd = range ? t(range.until) : now + 7 * DAY;
  state.start = kit.startOfDay(state.dataStart).getTime();
  state.end = Math.max(kit.startOfDay(state.dataEnd - 1, 1).getTime(), state.start + DAY);
  state.view = "window";
  state.schedules = [];
  if (envelope.schedules) {
    for (const s of envelope.schedules) {
      const entry = add(s.id, s.name);
      Object.assign(entry, { kind: s.kind, time_zone: s.time_zone, shifts: s.final_schedule || [], loading: s.kind !== "shifts" });
    }
    render();
    for (const entry of state.schedules.filter((s) => s.loading)) {
      try {
        entry.overrides = kit.can("list_schedule_overrides")
          ? kit.rows(await kit.callTool("list_schedule_overrides", { schedule_id: entry.id, since: iso(state.dataStart), until: iso(state.dataEnd) }))
          : [];
      } catch (failure) {
        entry.overrides = [];
      }
      entry.loading = false;
    }
    render();
  } else if (envelope.gaps) {
    if (state.args.schedule_id) {
      add(state.args.schedule_id, null);
    } else if (state.args.escalation_policy_id) {
      state.policy = { name: state.args.escalation_policy_id, gaps: envelope.gaps, levels: envelope.metadata.levels || [] };
      await addPolicySchedules(state.args.escalation_policy_id);
    }
    await reloadAll();
  } else if (envelope.oncalls) {
    const given = state.args.since || state.args.until;
    if (!given) {
      state.dataStart = now;
      state.dataEnd = now + 7 * DAY;
      state.start = kit.startOfDay(now).getTime();
      state.end = kit.startOfDay(now, 8).getTime();
    }
    for (const group of envelope.oncalls) {
      for (const level of group.levels || []) {
        for (const row of [...(level.on_call || []), ...(level.next || []), ...(level.shifts || [])]) {
          if (row.schedule) add(row.schedule.id, row.schedule.name);
        }
      }
    }
    if (!state.schedules.length) fill($("problem"), h("p", { class: "message info" }, "No schedule behind these on-calls: everyone listed is on call always."));
    await reloadAll();
  }
  loadChoices();
}

async function addPolicySchedules(policyId) {
  if (!kit.can("get_escalation_policy")) return;
  try {
    const policy = kit.rows(await kit.callTool("get_escalation_policy", { escalation_policy_id: policyId }))[0];
    state.policy.name = policy.name || state.policy.name;
    for (const level of policy.levels || []) for (const s of level.schedules || []) add(s.id, s.name);
  } catch (failure) {
    fill($("problem"), kit.problem(failure));
  }
}

// -- controls ------------------------------------------------------------------------------------
function move(direction) {
  if (state.view === "month") setPeriod("month", monthOf(state.start, direction));
  else setPeriod("week", kit.startOfDay(state.start, 7 * direction).getTime());
  reloadAll();
}

$("previous").addEventListener("click", () => move(-1));
$("next").addEventListener("click", () => move(1));
$("today").addEventListener("click", () => {
  setPeriod(state.view === "month" ? "month" : "week", Date.now());
  reloadAll();
});
$("show-week").addEventListener("click", () => {
  setPeriod("week", state.view === "month" ? Math.max(state.start, Math.min(Date.now(), state.end - 1)) : state.start);
  reloadAll();
});
$("show-month").addEventListener("click", () => {
  setPeriod("month", state.start + (state.view === "window" ? 0 : 3 * DAY));
  reloadAll();
});
$("as-calendar").addEventListener("click", () => {
  state.mode = "calendar";
  render();
});
$("as-list").addEventListener("click", () => {
  state.mode = "list";
  render();
});
$("schedule-choice").addEventListener("change", (event) => {
  const choice = (state.choices || []).find((c) => c.id === event.target.value);
  const entry = choice && add(choice.id, choice.name);
  if (entry) load(entry);
});

kit.connect("oncall-calendar", {
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
    fill($("problem"));
    drawn(envelope).catch((failure) => fill($("problem"), kit.problem(failure)));
  },
  context() {
    render();
  },
}).catch((failure) => fill($("problem"), kit.problem(failure)));
