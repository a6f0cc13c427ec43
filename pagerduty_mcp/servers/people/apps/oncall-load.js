// On-call load and pay: per person, hours on call by pay band, night and weekend shares, incidents
// and off-hours interruptions, pay when rates are given, working-time flags; the team at a glance.
// It reads both get_oncall_load and get_oncall_compensation for the same window and people.
const { h, $, fill } = kit;
const BANDS = ["weekday", "weeknight", "weekend", "holiday"];
const state = { args: {}, load: null, pay: null, range: null, sort: { key: "hours", dir: -1 }, open: new Set(), payArgs: null };
const COLUMNS = [
  ["name", "Person"], ["hours", "Hours on call"], ["night_share", "Night"], ["weekend_share", "Weekend"],
  ["shifts", "Shifts"], ["incidents", "Incidents"], ["incidents_off_hours", "Off hours"], ["pay", "Pay"], ["flags", "Working time"],
];

function people() {
  const byId = new Map();
  const row = (user) => {
    if (!byId.has(user.id)) byId.set(user.id, { user, name: user.name || user.id });
    return byId.get(user.id);
  };
  for (const r of state.load ? kit.rows(state.load) : []) {
    Object.assign(row(r.user), {
      time_zone: r.time_zone, hours: r.hours, night_share: r.night_share, weekend_share: r.weekend_share,
      shifts: r.shifts, incidents: r.incidents, incidents_off_hours: r.incidents_off_hours,
    });
  }
  for (const r of state.pay ? kit.rows(state.pay) : []) {
    const p = row(r.user);
    Object.assign(p, { time_zone: p.time_zone || r.time_zone, bands: r.hours, flagList: flagList(r.flags) });
    if (p.hours === undefined) p.hours = r.hours.total;
    if (p.shifts === undefined) p.shifts = r.shifts;
    if (r.pay) p.pay = r.pay.total;
    p.flags = p.flagList.length;
  }
  return [...byId.values()];
}

// The answer gives a person's short rests (when each began, how long) and a long week: one line each here.
function flagList(flags) {
  if (!flags) return [];
  const rests = (flags.short_rests || []).map((r) => ({ rest: r.hours, from: r.from, until: new Date(new Date(r.from).getTime() + r.hours * 3600000) }));
  return flags.over_week ? [...rests, { week: flags.over_week.hours, from: flags.over_week.from }] : rests;
}

function sorted(list) {
  const { key, dir } = state.sort;
  return [...list].sort((a, b) => {
    const [x, y] = [a[key], b[key]];
    if (typeof x === "string" || typeof y === "string") return dir * String(x || "").localeCompare(String(y || ""));
    return dir * ((x === undefined ? -1 : x) - (y === undefined ? -1 : y)) || a.name.localeCompare(b.name);
  });
}

function money(value) {
  const currency = (state.pay && state.pay.metadata.currency) || "EUR";
  try {
    return value.toLocaleString(kit.locale, { style: "currency", currency });
  } catch (error) {
    return value.toFixed(2) + " " + currency;
  }
}

function ownClock(value, zone) {
  try {
    return new Intl.DateTimeFormat(kit.locale, { timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(new Date(value));
  } catch (error) {
    return value;
  }
}

function render() {
  const list = people();
  const range = state.range;
  const scope = state.args.team_id ? "team " + state.args.team_id : (state.args.schedule_id || state.args.schedule_ids) ? "the schedules asked" : state.args.user_ids ? "the people asked" : "everyone on call";
  fill($("window"), range ? "From " + kit.format(range.since, { dateStyle: "medium", timeStyle: "short" }) + " to " +
    kit.format(range.until, { dateStyle: "medium", timeStyle: "short" }) + " (" + kit.zone + "), " + scope + "." : "");
  $("load").setAttribute("aria-busy", "false");
  if (!list.length) {
    fill($("glance"));
    fill($("verdict"));
    fill($("table"), h("p", { class: "message info" }, "No one was on call in this window."));
    return renderNotes();
  }
  const total = list.reduce((s, p) => s + (p.hours || 0), 0);
  const mean = total / list.length;
  const heaviest = [...list].sort((a, b) => (b.hours || 0) - (a.hours || 0))[0];
  const lightest = [...list].sort((a, b) => (a.hours || 0) - (b.hours || 0))[0];
  const balance = (state.load && state.load.metadata.balance) || {};
  const spread = balance.coefficient_of_variation;
  const offHours = list.reduce((s, p) => s + (p.incidents_off_hours || 0), 0);
  const incidents = list.reduce((s, p) => s + (p.incidents || 0), 0);
  const flagged = list.filter((p) => p.flags).length;
  const hasPay = list.some((p) => p.pay !== undefined);
  const evenness = spread === undefined ? null : spread < 0.15 ? ["ok", "Even"] : spread < 0.35 ? ["warn", "Uneven"] : ["danger", "Very uneven"];
  fill($("glance"),
    stat(String(list.length), "people on call"),
    stat(kit.hours(total), "on call in all"),
    stat(kit.hours(mean), "mean per person"),
    evenness ? h("div", { class: "stat" }, h("b", {}, h("span", { class: "pill " + evenness[0] }, evenness[1])),
      h("span", {}, "hours spread (CV " + spread.toFixed(2) + ")")) : null,
    state.load ? stat(offHours + " of " + incidents, "incidents off hours") : null,
    state.pay ? stat(String(flagged), "with working-time flags") : null,
    hasPay ? stat(money(list.reduce((s, p) => s + (p.pay || 0), 0)), "pay in all") : null);
  const times = mean ? (heaviest.hours / mean).toFixed(1) : "0";
  fill($("verdict"), h("p", { class: "verdict" },
    h("strong", {}, heaviest.name), " is on call " + kit.hours(heaviest.hours) + ", " + times + "× the team mean" +
    (heaviest.incidents_off_hours ? ", and was paged " + heaviest.incidents_off_hours + " times outside working hours" : "") +
    (lightest !== heaviest ? "; " + lightest.name + " is on call " + kit.hours(lightest.hours) + "." : ".")));
  $("legend").hidden = !state.pay;
  const rates = state.pay && state.pay.metadata.rates;
  fill($("rates-title"), rates
    ? "Pay rates per hour: " + BANDS.map((b) => b + " " + rates[b]).join(" · ") + " " + state.pay.metadata.currency
    : "Pay rates: give them to see pay");
  renderTable(list, mean, hasPay);
  renderNotes();
}

function stat(value, words) {
  return h("div", { class: "stat" }, h("b", {}, value), h("span", {}, words));
}

function renderTable(list, mean, hasPay) {
  const max = Math.max(...list.map((p) => p.hours || 0), 1);
  const columns = COLUMNS.filter(([key]) => (key !== "pay" || hasPay) && (key !== "flags" || state.pay) &&
    (!key.startsWith("incidents") || (state.load && list.some((p) => p.incidents !== undefined))) &&
    (!key.endsWith("_share") || state.load));
  const head = h("tr", {}, columns.map(([key, words]) => {
    const sortedHere = state.sort.key === key;
    return h("th", { scope: "col", class: ["name", "hours", "flags"].includes(key) ? "" : "num", "aria-sort": sortedHere ? (state.sort.dir > 0 ? "ascending" : "descending") : "none" },
      h("button", { type: "button", class: "sort", onclick: () => sortBy(key) }, words,
        h("span", { class: "arrow", "aria-hidden": "true" }, sortedHere ? (state.sort.dir > 0 ? "▲" : "▼") : "↕")));
  }));
  const body = sorted(list).map((p) => h("tr", { class: p.hours > mean * 1.5 ? "heavy" : "" }, columns.map(([key]) => cell(key, p, max, mean))));
  fill($("table"), h("table", { class: "data" },
    h("caption", { class: "visually-hidden" }, "On-call load per person; the column buttons sort it"),
    h("thead", {}, head), h("tbody", {}, body)));
}

function cell(key, p, max, mean) {
  const num = (value, words) => h("td", { class: "num" }, value === undefined ? "–" : words || String(value));
  switch (key) {
    case "name":
      return h("th", { scope: "row" }, h("div", {}, p.name), h("div", { class: "muted small zone" }, p.time_zone || ""));
    case "hours": {
      const bar = h("div", { class: "loadbar", "aria-hidden": "true" });
      const parts = p.bands ? BANDS.filter((band) => p.bands[band]).map((band) => [band, p.bands[band]]) : [["weekday", p.hours || 0]];
      for (const [band, value] of parts) {
        const part = h("i", { class: band });
        part.style.width = (value / max) * 100 + "%";
        bar.append(part);
      }
      const line = h("span", { class: "meanline" });
      line.style.left = (mean / max) * 100 + "%";
      bar.append(line);
      const words = p.bands ? BANDS.filter((b) => p.bands[b]).map((b) => b + " " + kit.hours(p.bands[b])).join(", ") : "";
      return h("td", { class: "hours" }, h("b", {}, kit.hours(p.hours || 0)), bar, words ? h("span", { class: "muted small bands" }, words) : null);
    }
    case "night_share":
    case "weekend_share":
      return h("td", { class: "num" }, p[key] === undefined ? "–" : h("span", { class: "share" + (p[key] >= 0.5 ? " high" : "") }, kit.percent(p[key])));
    case "pay":
      return num(p.pay, p.pay === undefined ? "" : money(p.pay));
    case "flags":
      return h("td", {}, flagsOf(p));
    default:
      return num(p[key]);
  }
}

function flagsOf(p) {
  const flags = p.flagList || [];
  if (!flags.length) return h("span", { class: "pill ok" }, h("span", { "aria-hidden": "true" }, "✓"), "None");
  const rests = flags.filter((f) => f.rest !== undefined);
  const weeks = flags.filter((f) => f.week !== undefined);
  const words = [rests.length ? rests.length + " short rest" + (rests.length > 1 ? "s" : "") : "", weeks.length ? "long week" : ""].filter(Boolean).join(" · ");
  const open = state.open.has(p.user.id);
  const id = "flags-" + p.user.id;
  return [
    h("button", { type: "button", class: "btn link", "aria-expanded": String(open), "aria-controls": id, onclick: () => toggle(p.user.id) },
      h("span", { "aria-hidden": "true" }, "⚠ "), words),
    open ? h("ul", { class: "flags", id }, flags.map((f) => h("li", {}, f.rest !== undefined
      ? "Rest of " + kit.hours(f.rest) + ": " + ownClock(f.from, p.time_zone) + " → " + ownClock(f.until, p.time_zone)
      : kit.hours(f.week) + " in the 7 days from " + ownClock(f.from, p.time_zone)))) : null,
  ];
}

function toggle(id) {
  if (state.open.has(id)) state.open.delete(id);
  else state.open.add(id);
  render();
  const button = document.querySelector('[aria-controls="flags-' + CSS.escape(id) + '"]');
  if (button) button.focus();
}

function sortBy(key) {
  state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: key === "name" ? 1 : -1 };
  render();
  const column = COLUMNS.find(([k]) => k === key)[1];
  kit.say("Sorted by " + column + (state.sort.dir > 0 ? ", ascending" : ", descending"));
  const button = [...document.querySelectorAll("button.sort")].find((b) => b.firstChild.textContent === column);
  if (button) button.focus();
}

// The server's notes (who is on call always, what was left out): the load's, else the pay's, which say the same.
function renderNotes() {
  const from = state.load || state.pay;
  const notes = new Set(((from || {}).metadata || {}).notes || []);
  fill($("notes"), [...notes].map((n) => h("li", {}, n)));
}

// -- reading -------------------------------------------------------------------------------------
function filters(forPay) {
  const a = state.args;
  const out = { since: state.range.since, until: state.range.until };
  if (a.team_id) out.team_id = a.team_id;
  if (a.user_ids) out.user_ids = a.user_ids;
  const schedules = a.schedule_ids || (a.schedule_id ? [a.schedule_id] : null);
  if (schedules && forPay) {
    if (schedules.length > 1) return null;  // pay bands are asked per schedule
    out.schedule_id = schedules[0];
  } else if (schedules) {
    out.schedule_ids = schedules;
  }
  return out;
}

async function complete(drewPay) {
  try {
    if (drewPay && kit.can("get_oncall_load")) {
      state.load = await kit.callTool("get_oncall_load", filters(false));
    } else if (!drewPay && kit.can("get_oncall_compensation")) {
      state.payArgs = filters(true);
      if (state.payArgs) state.pay = await kit.callTool("get_oncall_compensation", state.payArgs);
    }
  } catch (failure) {
    fill($("problem"), kit.problem(failure));
  }
  render();
}

// No <form>: a host's sandbox may refuse form submission; the button and Enter do the same here.
async function computePay() {
  const field = (name) => document.querySelector('#rates [name="' + name + '"]');
  const fields = [...BANDS, "currency"].map(field);
  const bad = fields.find((input) => !input.checkValidity() || input.value === "");
  if (bad) {
    fill($("problem"), kit.problem({ message: "Give every rate (0 or more) and a three-letter currency." }));
    bad.focus();
    return;
  }
  const rates = BANDS.map((band) => Number(field(band).value));
  const args = Object.assign({}, state.payArgs || filters(true), { rates, currency: field("currency").value.toUpperCase() });
  const button = $("compute");
  button.disabled = true;
  try {
    state.pay = await kit.callTool("get_oncall_compensation", args);
    state.payArgs = args;
    fill($("problem"));
    render();
    kit.say(state.pay.metadata.description);
  } catch (failure) {
    fill($("problem"), kit.problem(failure));
  }
  button.disabled = false;
}

$("compute").addEventListener("click", computePay);
$("rates").addEventListener("keydown", (event) => event.key === "Enter" && event.target.tagName === "INPUT" && computePay());

kit.connect("oncall-load", {
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
    const rows = kit.rows(envelope);
    const drewPay = rows.length ? typeof rows[0].hours === "object" : state.args.rates !== undefined;
    state.range = envelope.metadata.window;
    if (drewPay) {
      state.pay = envelope;
      state.payArgs = Object.assign({}, state.args, { since: state.range.since, until: state.range.until });
      const rates = envelope.metadata.rates;
      if (rates) for (const band of BANDS) document.querySelector('#rates [name="' + band + '"]').value = rates[band];
      if (envelope.metadata.currency) document.querySelector('#rates [name="currency"]').value = envelope.metadata.currency;
    } else {
      state.load = envelope;
    }
    render();
    if (state.range) complete(drewPay);
  },
}).catch((failure) => fill($("problem"), kit.problem(failure)));
