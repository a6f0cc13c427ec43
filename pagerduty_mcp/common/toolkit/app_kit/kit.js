"use strict";
// Shared by every app: the MCP Apps bridge (JSON-RPC over postMessage with the host), the host's
// theme, the viewer's clock and time zone, and DOM built from data without ever parsing it as HTML
// (titles, notes and names come from outside: they are only ever text).
const kit = (() => {
  const pending = new Map();
  const handlers = {};
  const context = {};
  let nextId = 1;
  let ownCalls = 0;
  let callable = null;
  let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  let locale = navigator.language || "en";

  class Failure extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  function send(message) {
    window.parent.postMessage(Object.assign({ jsonrpc: "2.0" }, message), "*");
  }

  function request(method, params) {
    const id = nextId++;
    send({ id, method, params });
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  }

  function notify(method, params) {
    send({ method, params });
  }

  function on(method, handler) {
    handlers[method] = handler;
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (message.method === undefined) {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Failure("HOST_ERROR", message.error.message || "The host refused"));
      else waiting.resolve(message.result || {});
      return;
    }
    if (message.id !== undefined) {
      // A request from the host: teardown and ping need only an empty answer.
      const known = message.method === "ui/resource-teardown" || message.method === "ping";
      send(known ? { id: message.id, result: {} } : { id: message.id, error: { code: -32601, message: "Method not found" } });
      return;
    }
    const handler = handlers[message.method];
    if (handler) handler(message.params || {});
  });

  function applyContext(update) {
    Object.assign(context, update);
    const root = document.documentElement;
    if (update.theme === "light" || update.theme === "dark") root.dataset.theme = update.theme;
    const variables = (update.styles && update.styles.variables) || {};
    for (const [name, value] of Object.entries(variables)) {
      if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
    }
    if (typeof update.timeZone === "string" && validZone(update.timeZone)) zone = update.timeZone;
    if (typeof update.locale === "string") locale = update.locale;
  }

  function validZone(name) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: name });
      return true;
    } catch (error) {
      return false;
    }
  }

  function watchSize() {
    let last = "";
    const report = () => {
      const box = document.body.getBoundingClientRect();
      const size = { width: Math.ceil(box.width), height: Math.ceil(box.height) };
      const key = size.width + "x" + size.height;
      if (key !== last) {
        last = key;
        notify("ui/notifications/size-changed", size);
      }
    };
    new ResizeObserver(() => requestAnimationFrame(report)).observe(document.body);
    report();
  }

  // Connects to the host. `drawn.input(arguments)` gets the arguments of the call the host drew
  // this view for, `drawn.result(result)` its result; `drawn.context()` hears of theme changes.
  async function connect(name, drawn) {
    on("ui/notifications/tool-input", (params) => drawn.input && drawn.input(params.arguments || {}));
    on("ui/notifications/tool-result", (params) => {
      // A host may echo the app's own calls as results too: those are answered where they were made.
      if (ownCalls === 0) {
        const meta = (params._meta && params._meta["pagerduty-mcp/app"]) || {};
        if (Array.isArray(meta.tools)) callable = new Set(meta.tools);
        drawn.result(params, meta);
      }
    });
    on("ui/notifications/tool-cancelled", (params) => drawn.cancelled && drawn.cancelled(params.reason || ""));
    on("ui/notifications/host-context-changed", (params) => {
      applyContext(params);
      if (drawn.context) drawn.context();
    });
    const answer = await request("ui/initialize", {
      protocolVersion: "2026-01-26",
      appInfo: { name: "pagerduty-" + name, version: "1" },
      appCapabilities: { availableDisplayModes: ["inline"] },
    });
    applyContext(answer.hostContext || {});
    notify("ui/notifications/initialized", {});
    watchSize();
  }

  // The envelope a tool answered with; a tool error becomes a Failure with its code and message.
  function envelopeOf(result) {
    let envelope = result.structuredContent;
    if (!envelope) {
      const text = ((result.content || []).find((part) => part.type === "text") || {}).text;
      try {
        envelope = JSON.parse(text || "");
      } catch (error) {
        envelope = { error: { code: "NOT_JSON", message: text || "The tool gave no answer" } };
      }
    }
    if (result.isError || envelope.error) {
      const error = envelope.error || {};
      throw new Failure(error.code || "TOOL_ERROR", error.message || "The tool failed");
    }
    return envelope;
  }

  // A tool call through the host: its envelope, and what the server added for this app.
  async function call(name, args) {
    if (!can(name)) throw new Failure("NOT_AVAILABLE", name + " is not available on this connection");
    ownCalls++;
    try {
      const result = await request("tools/call", { name, arguments: args });
      return { envelope: envelopeOf(result), meta: (result._meta && result._meta["pagerduty-mcp/app"]) || {} };
    } finally {
      ownCalls--;
    }
  }

  async function callTool(name, args) {
    return (await call(name, args)).envelope;
  }

  // Whether this caller may call the tool (as the server said with the drawn result).
  function can(name) {
    return callable === null || callable.has(name);
  }

  function rows(envelope) {
    const key = Object.keys(envelope).find((k) => k !== "metadata");
    return key ? envelope[key] || [] : [];
  }

  function urlOf(row, envelope) {
    if (row.html_url) return row.html_url;
    const pattern = envelope && envelope.metadata && envelope.metadata.url;
    return pattern && row.id ? pattern.replace("{id}", row.id) : null;
  }

  function openLink(url) {
    return request("ui/open-link", { url }).catch(() => null);
  }

  // -- DOM ---------------------------------------------------------------------------------------
  function setProps(el, props) {
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") el.setAttribute("class", value);
      else if (key === "text") el.textContent = value;
      else if (key === "style") Object.assign(el.style, value);
      else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    setProps(el, props);
    return append(el, children);
  }

  function s(tag, props, ...children) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setProps(el, props);
    return append(el, children);
  }

  function $(id) {
    return document.getElementById(id);
  }

  function fill(el, ...children) {
    el.replaceChildren();
    return append(el, children);
  }

  function say(text) {
    let region = $("kit-live");
    if (!region) {
      region = h("div", { id: "kit-live", class: "visually-hidden", role: "status", "aria-live": "polite" });
      document.body.append(region);
    }
    region.textContent = "";
    setTimeout(() => {
      region.textContent = text;
    }, 30);
  }

  function problem(failure) {
    const text = failure && failure.message ? failure.message : String(failure);
    return h("div", { class: "message error", role: "alert" }, text);
  }

  // -- the viewer's clock ------------------------------------------------------------------------
  function when(value) {
    return value instanceof Date ? value : new Date(value);
  }

  function format(value, options) {
    return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone }, options)).format(when(value));
  }

  const wallFormatters = {};

  // The wall clock of an instant in the viewer's zone.
  function wall(value) {
    const parts = {};
    const formatter = wallFormatters[zone] || (wallFormatters[zone] = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric", weekday: "short",
    }));
    for (const part of formatter.formatToParts(when(value))) parts[part.type] = part.value;
    return {
      year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour % 24,
      minute: +parts.minute, second: +parts.second, weekday: parts.weekday,
    };
  }

  function offsetAt(ms) {
    const w = wall(new Date(ms));
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
  }

  // The instant a local date (year, month, day + days, at hour:00) begins in the viewer's zone.
  function localTime(year, month, day, hour) {
    const guess = Date.UTC(year, month - 1, day, hour || 0);
    let ms = guess - offsetAt(guess);
    ms = guess - offsetAt(ms);
    return new Date(ms);
  }

  function startOfDay(value, plusDays) {
    const w = wall(value);
    return localTime(w.year, w.month, w.day + (plusDays || 0), 0);
  }

  function duration(ms) {
    const minutes = Math.max(0, Math.round(ms / 60000));
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    const mins = minutes % 60;
    if (days) return days + " d" + (hours ? " " + hours + " h" : "");
    if (hours) return hours + " h" + (mins ? " " + mins + " min" : "");
    return mins + " min";
  }

  function hours(value) {
    const rounded = Math.round(value * 10) / 10;
    return rounded.toLocaleString(locale, { maximumFractionDigits: 1 }) + " h";
  }

  function percent(share) {
    return Math.round((share || 0) * 100) + "%";
  }

  return {
    Failure, connect, call, callTool, can, rows, urlOf, openLink, envelopeOf,
    h, s, $, fill, say, problem,
    format, wall, localTime, startOfDay, duration, hours, percent,
    get zone() { return zone; },
    get locale() { return locale; },
    get context() { return context; },
  };
})();
