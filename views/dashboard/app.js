// The dashboard page: reads /app/api/* with the viewer's credentials and draws the scope's figures.
// Credentials: the Telegram Mini App's launch data (the #tgWebAppData the client opens the page with), or
// a browser session opened by the bot's one-time link (?t=…, spent at once and taken out of the address).
"use strict";

const TEXTS = JSON.parse(document.getElementById("texts").textContent);
const SESSION_KEY = "rasad.dashboard.session";
const REFRESH_SECONDS = 60;
const state = { lang: "fa", auth: null, me: null, ranking: null, counties: null, view: "ranking",
  sort: { key: "rank", dir: 1 }, filters: { county: "", sector: "", mark: "" }, agency: null,
  meeting: new URLSearchParams(location.search).get("screen") === "1" };

// ---- text and numbers ---------------------------------------------------------------------------------
function t(key, values = {}) {
  const text = TEXTS[state.lang]?.[key] ?? TEXTS.fa?.[key] ?? key;
  return String(text).replace(/\{(\w+)\}/g, (_, name) => {
    const value = values[name];
    return typeof value === "number" ? num(value) : String(value ?? "");
  });
}
function locale() { return state.lang === "fa" ? "fa-IR" : "en-US"; }
function num(value) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(value);
}
function pct(value) { return value === null || value === undefined ? "—" : num(value) + (state.lang === "fa" ? "٪" : "%"); }
function digits(text) { return state.lang === "fa" ? String(text).replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]) : String(text); }
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function applyLang() {
  document.documentElement.lang = state.lang;
  document.documentElement.dir = state.lang === "fa" ? "rtl" : "ltr";
  document.title = t("dashboard.title");
  document.getElementById("title").textContent = t("dashboard.title");
  document.getElementById("meeting").textContent = state.meeting ? t("dashboard.meeting_exit") : t("dashboard.meeting");
  document.getElementById("workbook").textContent = t("dashboard.workbook");
}
function status(text, error = false) {
  const main = document.getElementById("main");
  const retry = error ? el("button", { type: "button", id: "retry", onclick: () => location.reload() }, t("dashboard.retry")) : "";
  main.replaceChildren(el("p", { id: "status", class: error ? "status error" : "status", role: "status" }, text), retry);
}
function banner(text) {  // a problem over figures still on screen
  document.getElementById("banner")?.remove();
  if (text) document.getElementById("main").prepend(el("p", { id: "banner", class: "status error", role: "alert" }, text));
}

// ---- credentials and requests --------------------------------------------------------------------------
class Refused extends Error { constructor(code) { super(code); this.code = code; } }

async function credentials() {
  const launch = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData")
    || window.Telegram?.WebApp?.initData;
  if (launch) return "tma " + launch;
  const query = new URLSearchParams(location.search);
  const link = query.get("t");
  if (link) {
    history.replaceState(null, "", location.pathname + (state.meeting ? "?screen=1" : ""));
    const answer = await fetch("api/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ link }) });
    if (!answer.ok) throw new Refused("link_used");
    sessionStorage.setItem(SESSION_KEY, (await answer.json()).session);
  }
  const session = sessionStorage.getItem(SESSION_KEY);
  if (session) return "Bearer " + session;
  throw new Refused("unauthorized");
}

async function api(path) {
  const answer = await fetch("api/" + path, { headers: { Authorization: state.auth } });
  if (answer.status === 401) { sessionStorage.removeItem(SESSION_KEY); throw new Refused("unauthorized"); }
  if (answer.status === 403) throw new Refused("forbidden");
  if (!answer.ok) throw new Refused("failed");
  return answer;
}
async function json(path) { return (await api(path)).json(); }

// ---- the headline ---------------------------------------------------------------------------------------
function scopeName(scope) {
  if (scope.kind === "all") return t("dashboard.scope_all");
  return t(scope.kind === "province" ? "dashboard.scope_province" : "dashboard.scope_county", { name: scope.name });
}
function card(label, value, note = "", tone = "") {
  return el("div", { class: "card " + tone }, el("div", { class: "label" }, label),
    el("div", { class: "value" }, value), note ? el("div", { class: "note" }, note) : "");
}
function headline(h) {
  return el("section", { class: "cards", id: "headline" },
    card(t("dashboard.commitment"), num(h.target), t("dashboard.rows", { count: h.agencies })),
    card(t("dashboard.achieved"), num(h.achieved), pct(h.percent)),
    card(t("dashboard.registered"), num(h.registered), pct(h.registered_percent)),
    card(t("dashboard.expected"), num(h.expected), t("dashboard.year_gone", { percent: pct(h.year_percent) })),
    card(t("dashboard.days_left"), num(h.days_left), digits(h.deadline_jalali)),
    card(t("dashboard.below_path"), num(h.below_path),
      t("dashboard.below_path_note", { behind: h.behind, at_risk: h.at_risk }), h.at_risk ? "bad" : h.below_path ? "warn" : ""));
}

// ---- the ranking table ----------------------------------------------------------------------------------
const COLUMNS = [
  { key: "rank", label: "dashboard.rank", num: true },
  { key: "name", label: "dashboard.name", cls: "name" },
  { key: "county", label: "dashboard.county", wide: true, phone: false },
  { key: "target", label: "dashboard.commitment", num: true, phone: false },
  { key: "achieved", label: "dashboard.achieved", num: true },
  { key: "percent", label: "dashboard.percent", num: true, fmt: pct },
  { key: "registered", label: "dashboard.registered", num: true, phone: false },
  { key: "registered_percent", label: "dashboard.registered_percent", num: true, fmt: pct, phone: false },
  { key: "mark", label: "dashboard.mark", fmt: (m) => t("dashboard.mark_" + m) },
];
const MARK_ORDER = { at_risk: 0, behind: 1, on_pace: 2, no_target: 3 };

let countyNames = new Map();
function countyName(row) { return countyNames.get(row.county_id) ?? ""; }

function sorted(rows) {
  const { key, dir } = state.sort;
  const value = (row) => key === "mark" ? MARK_ORDER[row.mark] : key === "county" ? countyName(row) : row[key];
  return [...rows].sort((a, b) => {
    const x = value(a), y = value(b);
    if (x === y) return a.rank - b.rank;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (typeof x === "string" ? x.localeCompare(y, locale()) : x - y) * dir;
  });
}

function table(rows, columns, onOpen) {
  const cls = (c) => [c.num ? "num" : "", c.phone === false ? "wide-only" : ""].join(" ").trim();
  const head = el("tr", {}, columns.map((c) => el("th", {
    class: cls(c), "data-key": c.key, scope: "col",
    "aria-sort": state.sort.key === c.key ? (state.sort.dir > 0 ? "ascending" : "descending") : null,
    onclick: () => { state.sort = { key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : 1 }; draw(); },
  }, t(c.label))));
  const body = el("tbody", {}, sorted(rows).map((row) => el("tr", {
    "data-id": row.id, onclick: onOpen ? () => onOpen(row.id) : null,
  }, columns.map((c) => el("td", {
    class: [cls(c), c.cls || "", c.key === "mark" ? "mark-" + row.mark : ""].join(" ").trim(),
    "data-key": c.key,
  }, c.key === "county" ? countyName(row) : c.fmt ? c.fmt(row[c.key]) : (c.num ? num(row[c.key]) : row[c.key]))))));
  return el("div", { class: "table-wrap" }, el("table", { id: "ranking" }, el("thead", {}, head), body));
}

function select(name, all, options) {
  return el("select", { id: "filter-" + name, "aria-label": all, onchange: async (event) => {
    state.filters[name] = event.target.value;
    if (name !== "sector") { draw(); return; }
    try { await loadRanking(); } catch (error) { banner(message(error)); }
  } }, el("option", { value: "" }, all), options.map(([value, label]) =>
    el("option", { value, selected: String(state.filters[name]) === String(value) ? "" : null }, label)));
}

function rankingView() {
  const data = state.ranking;
  const f = state.filters;
  let rows = data.rows;
  if (f.county) rows = rows.filter((r) => String(r.county_id) === f.county);
  if (f.mark) rows = rows.filter((r) => r.mark === f.mark);
  const manyCounties = data.counties.length > 1;
  const columns = COLUMNS.filter((c) => !c.wide || manyCounties);
  const filters = el("div", { class: "filters" },
    manyCounties ? select("county", t("dashboard.all_counties"), data.counties.map((c) => [c.id, c.name])) : "",
    select("sector", t("dashboard.all_sectors"), data.sectors.map((s) => [s, t("dashboard.has_sector", { sector: t("sectors." + s) })])),
    select("mark", t("dashboard.all_marks"), data.marks.map((m) => [m, t("dashboard.mark_" + m)])),
    el("span", { class: "count", id: "row-count" }, t("dashboard.rows", { count: rows.length })));
  const shown = rows;
  return [filters, shown.length ? table(shown, columns, state.meeting ? null : openAgency)
    : el("p", { class: "status" }, t("dashboard.no_rows")), el("p", { class: "hint" }, t("dashboard.sort_hint"))];
}

function countiesView() {
  const columns = COLUMNS.filter((c) => ["rank", "name", "target", "achieved", "percent", "registered", "mark"].includes(c.key))
    .map((c) => c.key === "name" ? { ...c, label: "dashboard.county" } : c);
  return [table(state.counties.rows, columns, null)];
}

// ---- an agency's page -----------------------------------------------------------------------------------
function planStatus(plan) {
  return plan.status === "none" ? t("dashboard.plan_none") : t("dashboard.plan_" + plan.status);
}
function agencyView(a) {
  const months = TEXTS[state.lang]?.["calendar.months"] || TEXTS.fa["calendar.months"];
  const chart = el("div", { class: "chart", id: "agency-chart" });
  const view = [
    el("button", { type: "button", id: "back", onclick: () => { state.view = "ranking"; state.agency = null; draw(); } }, t("dashboard.back")),
    el("h2", { id: "agency-name" }, a.name),
    el("p", { class: "muted" }, a.county + " — " + digits(a.code)),
    el("section", { class: "cards" },
      card(t("dashboard.commitment"), num(a.target)),
      card(t("dashboard.achieved"), num(a.achieved), pct(a.percent)),
      card(t("dashboard.registered"), num(a.registered)),
      card(t("dashboard.expected"), num(a.expected), t("dashboard.mark_" + a.mark), a.mark === "at_risk" ? "bad" : a.mark === "behind" ? "warn" : ""),
      card(t("dashboard.year_end"), num(a.year_end)),
      card(t("dashboard.weekly_needed"), num(a.weekly_needed))),
    el("h2", {}, t("dashboard.monthly")), chart,
    el("h2", {}, t("dashboard.plan") + ": " + planStatus(a.plan)),
    el("h2", {}, t("dashboard.last_reports")),
    a.reports.length ? el("ul", { class: "list", id: "reports" }, a.reports.map((r) => el("li", {},
      digits(r.date_jalali) + " — " + r.title + " — " + num(r.jobs) + " " + t("dashboard.jobs") + " — "
      + t("sectors." + r.sector) + " — " + t("dashboard.in_rasad") + ": " + t(r.registered ? "dashboard.yes" : "dashboard.no"))))
      : el("p", { class: "status" }, t("dashboard.no_reports")),
    el("h2", {}, t("dashboard.open_obstacles")),
    a.obstacles.length ? el("ul", { class: "list", id: "obstacles" }, a.obstacles.map((o) => el("li", {},
      digits(o.since_jalali) + " — " + t("obstacles.categories." + o.category) + ": " + o.description)))
      : el("p", { class: "status" }, t("dashboard.no_obstacles")),
  ];
  requestAnimationFrame(() => drawChart(chart, a, months));
  return view;
}

function drawChart(node, a, months) {
  if (!window.uPlot) return;
  const x = months.map((_, i) => i + 1);
  const series = [{}, { label: t("dashboard.series_achieved"), stroke: "#1f6feb", width: 3 },
    { label: t("dashboard.series_linear"), stroke: "#8a94a6", dash: [6, 4], width: 2 }];
  const data = [x, a.months.cumulative, a.months.linear];
  if (a.months.plan) { series.push({ label: t("dashboard.series_plan"), stroke: "#b76e00", width: 2 }); data.push(a.months.plan); }
  const width = Math.max(280, node.clientWidth - 16);
  const font = "12px Vazirmatn, Tahoma, sans-serif";
  new uPlot({ width, height: Math.round(Math.min(320, width * 0.6)), series,
    scales: { x: { time: false } },
    axes: [{ font, splits: () => x, values: (_, ticks) => ticks.map((i) => months[i - 1] || "") },
      { font, size: 60, values: (_, ticks) => ticks.map(num) }],
    legend: { live: false } }, data, node);
}

// ---- the page -------------------------------------------------------------------------------------------
function draw() {
  const main = document.getElementById("main");
  const me = state.me;
  const h = state.ranking.headline;
  document.getElementById("subtitle").textContent = scopeName(me.scope) + " — " + t("dashboard.year", { year: digits(me.year) })
    + " — " + t("dashboard.as_of", { date: digits(h.today_jalali) });
  const parts = [headline(h)];
  if (state.view === "agency" && state.agency) {
    parts.push(...agencyView(state.agency));
  } else {
    if (state.counties && state.counties.rows.length > 1) {
      parts.push(el("div", { class: "tabs", role: "tablist" },
        el("button", { type: "button", role: "tab", id: "tab-ranking", "aria-selected": String(state.view === "ranking"), onclick: () => { state.view = "ranking"; draw(); } }, t("dashboard.tab_ranking")),
        el("button", { type: "button", role: "tab", id: "tab-counties", "aria-selected": String(state.view === "counties"), onclick: () => { state.view = "counties"; draw(); } }, t("dashboard.tab_counties"))));
    }
    parts.push(...(state.view === "counties" ? countiesView() : rankingView()));
  }
  if (state.meeting) parts.push(el("p", { class: "stamp", id: "refreshed" }, t("dashboard.refreshed", { time: new Date().toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" }) })));
  main.replaceChildren(...parts);
}

async function loadRanking() {
  const query = state.filters.sector ? "?sector=" + encodeURIComponent(state.filters.sector) : "";
  state.ranking = await json("ranking" + query);
  countyNames = new Map(state.ranking.counties.map((c) => [c.id, c.name]));
  draw();
}

async function openAgency(id) {
  try {
    state.agency = await json("agency/" + id);
    state.view = "agency";
    draw();
    window.scrollTo(0, 0);
  } catch (error) { banner(message(error)); }
}

async function download() {
  if (state.auth.startsWith("tma ")) {  // a Mini App's webview downloads nothing: the bot sends it
    try {
      const answer = await fetch("api/workbook/send", { method: "POST", headers: { Authorization: state.auth } });
      if (!answer.ok) throw new Refused(answer.status === 401 ? "expired" : "failed");
      banner("");
      document.getElementById("main").prepend(el("p", { id: "banner", class: "status", role: "status" }, t("dashboard.workbook_sent")));
    } catch (error) { banner(message(error)); }
    return;
  }
  try {
    const answer = await api("workbook");
    const name = (answer.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || "rasad.xlsx";
    const url = URL.createObjectURL(await answer.blob());
    el("a", { href: url, download: name }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) { banner(message(error)); }
}

function message(error) {
  const code = error instanceof Refused ? error.code : "failed";
  return t("dashboard." + (code === "unauthorized" && state.me ? "expired" : code));
}

function fail(error) {  // nothing to show: the whole page says why
  status(message(error), true);
  document.getElementById("actions").hidden = true;
}

async function load() {
  state.me = await json("me");
  state.lang = state.me.locale === "en" ? "en" : "fa";
  applyLang();
  state.counties = await json("counties");
  await loadRanking();
  document.getElementById("actions").hidden = false;
}

async function start() {
  state.lang = (navigator.language || "fa").startsWith("en") ? "en" : "fa";
  document.body.classList.toggle("meeting", state.meeting);
  applyLang();
  status(t("dashboard.loading"));
  window.Telegram?.WebApp?.ready?.();
  document.getElementById("meeting").addEventListener("click", () => {
    state.meeting = !state.meeting;
    document.body.classList.toggle("meeting", state.meeting);
    history.replaceState(null, "", location.pathname + (state.meeting ? "?screen=1" : "") + location.hash);
    applyLang();
    draw();
  });
  document.getElementById("workbook").addEventListener("click", download);
  try {
    state.auth = await credentials();
    await load();
  } catch (error) { fail(error); return; }
  setInterval(async () => {  // the meeting screen keeps itself current; a failed refresh keeps the figures
    if (!state.meeting || state.view === "agency") return;
    try { await loadRanking(); } catch (error) { banner(message(error)); }
  }, REFRESH_SECONDS * 1000);
}

start();
