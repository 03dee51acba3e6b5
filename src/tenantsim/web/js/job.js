// One job: controls, initial-build and cleanup progress, figures, realism, events chart and the live activity log.
import { ApiError, JobStream, del, get, post } from "./api.js";
import { WINDOWS, stackedBars, windowFor } from "./charts.js";
import {
  ago, breakable, clock, colorFor, compact, confirmDialog, duration, esc, meterClass, num, perHour, platformChips,
  platformMark, status, title, toast,
} from "./format.js";
import { platformOf } from "./platforms.js";

const MAX_LOG = 500;
const LIVE = ["pending", "running", "paused"];
const CALLING = [...LIVE, "cleaning"]; // statuses in which the job still calls its tenant
const WORKDAY = [9, 17]; // local hours of a working day, Monday to Friday

// A clock face for an instant in a zone: weekday, date and time, and whether it is working time.
function simFace(ms, zone, withSeconds) {
  let tz = zone || "UTC";
  try { new Intl.DateTimeFormat(undefined, { timeZone: tz }); } catch (err) { tz = "UTC"; }
  const when = new Date(ms);
  const time = when.toLocaleTimeString([], { timeZone: tz, hour: "2-digit", minute: "2-digit", second: withSeconds ? "2-digit" : undefined, hour12: false });
  const date = when.toLocaleDateString([], { timeZone: tz, weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: tz, weekday: "short", hour: "numeric", hourCycle: "h23" })
    .formatToParts(when).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour) % 24;
  const working = !["Sat", "Sun"].includes(parts.weekday) && hour >= WORKDAY[0] && hour < WORKDAY[1];
  return { time, date, zone: tz, working };
}

function sum(obj) {
  return Object.values(obj || {}).reduce((a, n) => a + n, 0);
}

// The job's platforms (GET /api/jobs/<id> lists them; an older answer has its connection_type only).
function platformsOf(job) {
  return Array.isArray(job.platforms) && job.platforms.length ? job.platforms : [job.connection_type];
}

// Each platform's own configuration: one job's is its config; several platforms' are the shared fields
// with each entry's own over them.
function platformConfigs(job) {
  const cfg = job.config || {};
  if (!Array.isArray(cfg.platforms) || !cfg.platforms.length) return [{ ...cfg, connection_type: job.connection_type }];
  const shared = Object.fromEntries(Object.entries(cfg).filter(([k]) => k !== "platforms"));
  return cfg.platforms.map((entry) => ({ ...shared, ...entry }));
}

export function mountJob(root, jobId) {
  let job = null;
  let entries = [];
  let oldestId = null;
  let moreOlder = null; // unknown until the backlog fills up or older entries were asked for
  let chart = null; // {buckets, types, bucketSeconds}
  let windowKey = "1h";
  let chartDirty = false;
  let stopped = false;
  const timers = [];
  let sim = null; // the simulated clock as last received: {at, received, running, limit, scale, zone}
  let simShown = null; // while running, the clock shown never goes back
  let budgets = {}; // "tenant bucket" -> the tenant's budget as this server knows it (GET /api/ratelimits)
  let missing = false; // the job does not exist: the page says so and waits for nothing

  root.innerHTML = `
    <div class="page-head">
      <div><h1 id="job-title">Loading…</h1><div class="sub" id="job-sub"></div></div>
      <div class="actions" id="job-actions"></div>
    </div>
    <div id="job-banner"></div>
    <div class="grid grid-main">
      <div class="stack">
        <section class="panel" id="build-panel">
          <div class="panel-head"><h2>Initial build</h2><span class="hint" id="build-phase"></span></div>
          <div class="panel-body" id="build"></div>
        </section>
        <section class="panel">
          <div class="panel-head"><h2>Events over time</h2><span class="hint">by type</span>
            <div class="right chips" id="windows">${Object.keys(WINDOWS).map((k) => `<button class="chip${k === windowKey ? " active" : ""}" data-window="${k}">${k}</button>`).join("")}</div></div>
          <div class="panel-body"><div id="job-chart"><div class="chart-empty">Loading…</div></div></div>
        </section>
        <section class="panel">
          <div class="panel-head"><h2>Activity</h2><span class="hint" id="log-count"></span>
            <div class="right"><span class="live" id="live">connecting</span></div></div>
          <div class="panel-body" style="padding:10px 0 0">
            <ul class="log" id="log" aria-live="polite"></ul>
            <div style="padding:10px 16px 14px"><button class="btn btn-sm" id="older" hidden>Load older entries</button></div>
          </div>
        </section>
      </div>
      <div class="stack">
        <section class="panel" id="sim-panel"><div class="panel-head"><h2>Simulated time</h2><span class="hint" id="sim-zone"></span></div>
          <div class="panel-body sim-clock" id="sim-clock"><div class="faint">No simulated time yet: the clock starts with the company.</div></div></section>
        <section class="panel"><div class="panel-head"><h2>Figures</h2></div><div class="panel-body" id="figures"></div></section>
        <section class="panel" id="realism-panel"><div class="panel-head"><h2>Realism</h2><span class="hint" id="realism-when">read back from the tenant</span>
            <div class="right"><button class="btn btn-sm" id="realism-check" title="Reads the tenant through the platform's API">Check realism</button></div></div>
          <div class="panel-body" id="realism"><div class="faint">How real the tenant looks (hires, departures, leave, comment threads…), measured through the platform's API. It calls the platform, so it runs when you ask.</div></div></section>
        <section class="panel"><div class="panel-head"><h2>Objects in the tenant</h2><span class="hint">created by this job</span></div><div class="panel-body" id="objects"></div></section>
        <section class="panel"><div class="panel-head"><h2>Rate limits</h2><span class="hint">this job's calls</span></div><div class="panel-body" id="limits"></div></section>
        <section class="panel"><div class="panel-head"><h2>Errors</h2></div><div class="panel-body" id="errors"></div></section>
        <section class="panel"><div class="panel-head"><h2>Configuration</h2><span class="hint">secrets masked</span></div><div class="panel-body" id="config"></div></section>
      </div>
    </div>`;

  const $ = (sel) => root.querySelector(sel);

  // -- header and controls ----------------------------------------------------------------------
  let headKey = "";

  function renderHead() {
    // Only when something shown changed: re-creating buttons under a pointer would eat clicks.
    const key = JSON.stringify([job.status, job.job_name, job.progress && job.progress.phase, job.config && job.config.template,
      job.first_started_at, Math.floor(Date.now() / 60000)]);
    if (key === headKey) return;
    headKey = key;
    $("#job-title").textContent = job.job_name || job.job_id;
    document.title = `${job.job_name || job.job_id} · tenantsim`;
    const cfg = job.config || {};
    $("#job-sub").innerHTML = [
      status(job.status, true), platformChips(platformsOf(job)), esc(title(job.industry)),
      `<span class="mono faint">${esc(job.job_id)}</span>`,
      cfg.template ? `<span class="faint">from template ${esc(cfg.template)}</span>` : "",
      `<span class="faint">started ${esc(ago(job.first_started_at || job.created_at))}</span>`,
    ].filter(Boolean).join(" ");
    const s = job.status;
    const seeded = job.progress && job.progress.phase === "activity";
    const button = (act, label, enabled, cls = "", hint = "") => `<button class="btn ${cls}" data-act="${act}"${enabled ? "" : " disabled"}${hint ? ` title="${esc(hint)}"` : ""}>${label}</button>`;
    $("#job-actions").innerHTML = [
      s === "paused" ? button("resume", "Resume", true, "btn-primary") : button("pause", "Pause", s === "running" || s === "pending"),
      button("generate-now", "Generate now", s === "running" && seeded, "", seeded ? "Produce one event right away" : "Available once the initial build is done"),
      button("stop", "Stop", LIVE.includes(s)),
      button("cleanup", s === "cleaning" ? `<span class="spin"></span>Cleaning…` : "Clean up", !["cleaning", "cleaned"].includes(s), "", "Delete everything this job created, and nothing else"),
      button("clone", "Clone", true),
      button("delete", "Delete", s !== "deleted" && s !== "cleaning", "btn-danger",
        s === "cleaning" ? "Wait for the cleanup to finish" : ""),
    ].join("");
  }

  function renderBanner() {
    const host = $("#job-banner");
    const total = sum(job.created_objects_total);
    const left = sum(job.created_objects);
    if (job.status === "cleaning") {
      const done = Math.max(0, total - left);
      const pct = total ? (100 * done) / total : 0;
      host.innerHTML = `<section class="panel" style="margin-bottom:16px" id="cleanup-panel"><div class="panel-head"><h2>Cleaning up</h2><span class="hint">deleting only what this job created</span></div>
        <div class="panel-body"><div class="progress cleaning"><i style="width:${pct.toFixed(1)}%"></i></div>
        <div class="progress-meta"><span>${num(done)} of ${num(total)} objects removed</span><span>${num(left)} left</span></div></div></section>`;
    } else if (job.status === "cleaned" || (job.cleanup_result && job.status === "deleted")) {
      const result = job.cleanup_result || {};
      const counts = (r) => Object.entries(r || {}).filter(([, v]) => typeof v === "number").map(([k, v]) => `${num(v)} ${esc(title(k).toLowerCase())}`);
      const parts = counts(result);
      const errors = (result.errors || result.failed_projects || []).length;
      // Several platforms: each one's own counts under the totals.
      const each = result.platforms && typeof result.platforms === "object" ? Object.entries(result.platforms) : [];
      const perPlatform = each.length ? `<div class="cleanup-platforms" id="cleanup-platforms">${each.map(([type, r]) => {
        const failed = ((r && (r.errors || r.failed_projects)) || []).length;
        return `<span data-platform="${esc(type)}">${platformMark(type)} ${esc(platformOf(type).label)}</span><span data-platform-result="${esc(type)}">${counts(r).join(" · ") || "nothing to delete"}${failed ? ` · <span class="check bad" style="display:inline">${num(failed)} errors</span>` : ""}</span>`;
      }).join("")}</div>` : "";
      host.innerHTML = `<section class="panel" style="margin-bottom:16px" id="cleanup-panel"><div class="panel-head"><h2>Cleanup finished</h2><span class="hint">${esc(ago(job.stopped_at))}</span></div>
        <div class="panel-body"><div class="progress done"><i style="width:100%"></i></div>
        <div class="progress-meta"><span>${parts.join(" · ") || "Nothing was left to delete"}</span><span>${errors ? `${num(errors)} errors` : "no errors"}</span></div>${perPlatform}</div></section>`;
    } else if (job.status === "failed") {
      host.innerHTML = `<div class="error-box" style="margin-bottom:16px"><strong>The job failed.</strong> ${esc(job.last_error || "")}</div>`;
    } else {
      host.innerHTML = "";
    }
  }

  function renderBuild() {
    const p = job.progress || {};
    const seeded = p.phase === "activity";
    const pct = seeded ? 100 : p.percent || 0;
    $("#build-phase").textContent = seeded ? "done" : p.phase === "seeding" ? "in progress" : "starting";
    const live = LIVE.includes(job.status);
    const eta = !seeded && p.eta_seconds != null && live ? `about ${duration(p.eta_seconds)} left`
      : seeded ? (job.status === "running" ? "continuous activity running" : live ? "continuous activity paused" : "activity ended")
        : live ? "" : "the build did not finish";
    $("#build").innerHTML = `<div class="progress${seeded ? " done" : ""}"><i style="width:${pct.toFixed(1)}%"></i></div>
      <div class="progress-meta"><span>${p.initial_total ? `${num(Math.min(p.initial_done, p.initial_total))} of ${num(p.initial_total)} objects` : "Preparing the company…"} · ${num(pct, 1)}%</span><span>${esc(eta)}</span></div>`;
  }

  // A bucket's limit and remaining: as the platform reported them, or else as the tenant's budget knows
  // them (Asana reports no limit in its headers; the budget knows the plan's).
  function limitsOf(name, figures) {
    if (figures.limit && figures.remaining != null) return { limit: figures.limit, remaining: figures.remaining, from: "platform" };
    const budget = budgets[name];
    if (budget && budget.limit && budget.remaining != null) return { limit: budget.limit, remaining: budget.remaining, from: "budget" };
    return null;
  }

  function liveCalls() {
    // The detail view's rate_limits are live while the job runs; the summary's figures are a checkpoint.
    const live = job.rate_limits || {};
    const shares = Object.entries(live.buckets || {}).map(([name, b]) => limitsOf(name, b)).filter(Boolean)
      .map((l) => l.remaining / l.limit);
    const saved = job.rate_limit || {};
    return {
      calls: live.calls ?? saved.calls ?? 0,
      throttled: live.throttled ?? saved.throttled ?? 0,
      headroom: shares.length ? Math.min(...shares) : saved.headroom,
    };
  }

  async function loadBudgets() {
    if (missing || !job || !CALLING.includes(job.status)) return;
    try {
      const data = await get(`/api/ratelimits?job_id=${encodeURIComponent(jobId)}`);
      budgets = Object.fromEntries(data.tenants.map((row) => [`${row.tenant} ${row.bucket}`, row]));
      if (!stopped) { renderFigures(); renderLimits(); }
    } catch (err) {
      /* the job's own figures still show */
    }
  }

  function renderFigures() {
    const rl = liveCalls();
    const calling = CALLING.includes(job.status); // a finished job has no rate and no head-room
    const head = calling ? rl.headroom : null;
    const tokens = job.llm_tokens || { input: 0, output: 0 };
    $("#figures").innerHTML = `<dl class="kv">
      <dt>Events</dt><dd>${num(job.events_total)}</dd>
      <dt>Events / hour</dt><dd data-figure="events-per-hour">${LIVE.includes(job.status) ? perHour(job.events_per_hour) : "–"}</dd>
      <dt>Last activity</dt><dd title="${esc(job.last_activity_at || "")}">${esc(ago(job.last_activity_at))}</dd>
      <dt>Platform calls</dt><dd>${num(rl.calls || 0)}</dd>
      <dt>Throttled (429)</dt><dd>${num(rl.throttled || 0)}</dd>
      <dt>Rate-limit head-room</dt><dd data-figure="headroom">${head == null ? "–" : `<span class="meter ${meterClass(head)}"><i style="width:${(head * 100).toFixed(0)}%"></i></span>${Math.round(head * 100)}%`}</dd>
      <dt>LLM tokens</dt><dd>${compact(tokens.input)} in · ${compact(tokens.output)} out</dd>
      ${job.stop_at ? `<dt>Stops</dt><dd>${esc(new Date(job.stop_at).toLocaleString())}</dd>` : ""}
      ${job.cleanup_at ? `<dt>Cleans up</dt><dd>${esc(new Date(job.cleanup_at).toLocaleString())}</dd>` : ""}
    </dl>`;
  }

  function renderObjects() {
    const now = job.created_objects || {};
    const ever = job.created_objects_total || {};
    const kinds = Object.keys(ever).sort();
    if (!kinds.length) {
      $("#objects").innerHTML = `<div class="faint">Nothing created yet.</div>`;
      return;
    }
    $("#objects").innerHTML = `<div class="kinds">${kinds.map((k) => `<span class="k">${esc(title(k))}</span><span class="v" data-kind="${esc(k)}">${num(now[k] || 0)}${(ever[k] || 0) !== (now[k] || 0) ? `<span class="faint small"> / ${num(ever[k])}</span>` : ""}</span>`).join("")}
      <span class="k"><strong>Total</strong></span><span class="v" data-kind="total">${num(sum(now))}</span></div>
      ${sum(ever) !== sum(now) ? `<div class="faint small" style="margin-top:8px">n / m: n still in the tenant of m created</div>` : ""}`;
  }

  function renderLimits() {
    const buckets = (job.rate_limits && job.rate_limits.buckets) || {};
    const names = Object.keys(buckets);
    if (!names.length) {
      $("#limits").innerHTML = `<div class="faint">No calls yet.</div>`;
      return;
    }
    const calling = CALLING.includes(job.status);
    $("#limits").innerHTML = names.map((name) => {
      const b = buckets[name];
      const known = calling ? limitsOf(name, b) : null;
      const share = known ? Math.max(0, Math.min(1, known.remaining / known.limit)) : null;
      const cut = name.lastIndexOf(" ");
      const bucket = cut > 0 ? name.slice(cut + 1) : name;
      const tenant = cut > 0 ? name.slice(0, cut) : "";
      const figures = known ? `${num(known.remaining)}/${num(known.limit)} left` : calling ? "no limit known yet" : "not calling now";
      const source = known && known.from === "budget" ? "the tenant's budget on this server (the platform reports no limit)" : "the platform's rate-limit headers";
      return `<div style="margin-bottom:12px" title="${esc(name)}" data-bucket="${esc(name)}"><div class="small" style="display:flex;justify-content:space-between;gap:8px;align-items:baseline"><span style="min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap"><strong>${esc(bucket)}</strong> <span class="faint">${esc(tenant)}</span></span>
        <span class="num rl-left" style="white-space:nowrap"${known ? ` title="${esc(`From ${source}`)}"` : ""}>${figures}</span></div>
        <div class="rl-bar ${share === null ? "" : meterClass(share)}" style="margin-top:4px"><i style="width:${share === null ? 0 : ((1 - share) * 100).toFixed(1)}%"></i></div>
        <div class="faint small num">${num(b.calls)} calls · ${num(b.throttled)} throttled · waited ${duration(b.waited_seconds)}</div></div>`;
    }).join("");
  }

  function renderErrors() {
    const failed = job.failed_objects || {};
    const errorEntries = entries.filter((e) => e.event_type === "error" || String(e.event_type).endsWith("_failed")).slice(0, 5);
    const parts = [];
    if (job.last_error) parts.push(`<div class="error-box">${esc(job.last_error)}</div>`);
    if (sum(failed)) parts.push(`<div class="kinds">${Object.entries(failed).map(([k, v]) => `<span class="k">${esc(title(k))} not created</span><span class="v">${num(v)}</span>`).join("")}</div>`);
    if (errorEntries.length) parts.push(`<ul class="small" style="margin:0;padding-left:18px">${errorEntries.map((e) => `<li>${esc(clock(e.timestamp))} ${esc(e.message)}</li>`).join("")}</ul>`);
    $("#errors").innerHTML = parts.length ? parts.join("") : `<div class="faint">No errors.</div>`;
  }

  function renderConfig() {
    const cfg = job.config || {};
    const shown = (v) => breakable(typeof v === "object" ? JSON.stringify(v) : v);
    const tokensOf = (list) => (list || []).map((t) => `${esc(t.name)} <span class="mono faint">${esc(t.token ?? t.client_id ?? "")}</span>`).join("<br>");
    // Several platforms: each entry's own fields (secrets masked by the server) under its name.
    const entry = (e) => {
      const own = Object.entries(e).filter(([k]) => k !== "connection_type" && k !== "user_tokens").map(([k, v]) => `<dt>${esc(title(k))}</dt><dd>${shown(v)}</dd>`);
      const toks = tokensOf(e.user_tokens);
      return `<div data-platform="${esc(e.connection_type)}" style="margin-top:8px"><div>${platformMark(e.connection_type)} <strong>${esc(platformOf(e.connection_type).label)}</strong></div>
        <dl class="kv small" style="margin-top:4px">${own.join("")}${toks ? `<dt>Tokens</dt><dd>${toks}</dd>` : ""}</dl></div>`;
    };
    const several = Array.isArray(cfg.platforms) && cfg.platforms.length > 0; // then connection_type is only the first's
    const rows = Object.entries(cfg).filter(([k]) => k !== "user_tokens" && !(several && k === "connection_type")).map(([k, v]) => (k === "platforms" && Array.isArray(v)
      ? `<dt>Platforms</dt><dd data-config="platforms" style="grid-column:1 / -1;text-align:left">${v.map(entry).join("")}</dd>`
      : `<dt>${esc(title(k))}</dt><dd data-config="${esc(k)}">${shown(v)}</dd>`));
    const tokens = tokensOf(cfg.user_tokens);
    $("#config").innerHTML = `<dl class="kv small">${rows.join("")}${tokens ? `<dt>Tokens</dt><dd>${tokens}</dd>` : ""}</dl>`;
  }

  // -- realism: on demand, since it reads the tenant through the platform's API ---------------------
  function figure(value) {
    return Number.isInteger(value) ? num(value) : num(value, 2);
  }

  async function checkRealism() {
    const button = $("#realism-check");
    button.disabled = true;
    button.innerHTML = `<span class="spin"></span>Checking…`;
    try {
      const data = await get(`/api/jobs/${encodeURIComponent(jobId)}/realism`);
      const row = (m) => `<tr data-measure="${esc(m.name)}"${m.platform ? ` data-platform="${esc(m.platform)}"` : ""} class="${m.ok ? "ok" : "bad"}"><td>${esc(m.name)}</td><td class="num">${esc(figure(m.value))}</td><td class="num faint">${esc(m.band)}</td>
        <td class="mark ${m.ok ? "ok" : "bad"}" title="${m.ok ? "within band" : "outside band"}" aria-label="${m.ok ? "within band" : "outside band"}">${m.ok ? "✓" : "✗"}</td></tr>`;
      const within = data.measures.filter((m) => m.ok).length;
      // Several platforms: each tenant's measures under its name, in the job's order of platforms.
      const grouped = data.measures.some((m) => m.platform);
      let body = `<tbody>${data.measures.map(row).join("")}</tbody>`;
      if (grouped) {
        const order = [...new Set([...(job ? platformsOf(job) : []), ...data.measures.map((m) => m.platform || "")])];
        body = order.filter((type) => data.measures.some((m) => (m.platform || "") === type)).map((type) => {
          const mine = data.measures.filter((m) => (m.platform || "") === type);
          const ok = mine.filter((m) => m.ok).length;
          const head = type ? `${platformMark(type)} ${esc(platformOf(type).label)}` : "The company";
          return `<tbody data-platform="${esc(type)}"><tr class="group-head"><th colspan="3">${head}</th><th class="num faint small" title="within band">${num(ok)}/${num(mine.length)}</th></tr>${mine.map(row).join("")}</tbody>`;
        }).join("");
      }
      $("#realism").innerHTML = `<table class="realism"><thead><tr><th>Measure</th><th class="num">Value</th><th class="num">Band</th><th title="Within band">OK</th></tr></thead>${body}</table>
        <div class="faint small" style="margin-top:8px">${num(within)} of ${num(data.measures.length)} within band</div>`;
      $("#realism-when").textContent = `read ${clock(data.sampled_at)}`;
      $("#realism-when").title = new Date(data.sampled_at).toLocaleString();
    } catch (err) {
      $("#realism").innerHTML = `<div class="error-box">${esc(err instanceof ApiError ? err.message : String(err))}</div>`;
    } finally {
      button.disabled = false;
      button.textContent = "Check again";
    }
  }

  // -- simulated clock: from the job view, then run on locally at time_scale (never past its limit) ----
  function takeSim() {
    const c = job.sim_clock || {};
    if (!job.sim_time) { sim = null; simShown = null; return; }
    sim = { at: new Date(job.sim_time).getTime(), received: Date.now(), running: Boolean(c.running),
      limit: c.limit ? new Date(c.limit).getTime() : null, scale: Number(c.time_scale) || 1, zone: c.zone || "UTC" };
    if (!sim.running) simShown = null;
  }

  function simNow() {
    if (!sim) return null;
    if (!sim.running) return sim.at;
    let t = sim.at + (Date.now() - sim.received) * sim.scale;
    if (sim.limit !== null) t = Math.min(t, sim.limit);
    simShown = simShown === null ? t : Math.max(simShown, t);
    return simShown;
  }

  function renderSim() {
    const host = $("#sim-clock");
    const at = simNow();
    if (at === null || Number.isNaN(at)) {
      $("#sim-zone").textContent = "";
      if (!host.querySelector(".faint")) host.innerHTML = `<div class="faint">No simulated time yet: the clock starts with the company.</div>`;
      return;
    }
    const face = simFace(at, sim.zone, sim.scale < 30);
    const everyDay = (job.config || {}).working_hours === "always";
    const pace = sim.running ? (sim.scale === 1 ? "real time" : `${num(sim.scale, 3)}× real time`) : `standing still (${job.status})`;
    if (!host.querySelector("#sim-time")) {
      host.innerHTML = `<div class="sim-time" id="sim-time"></div><div class="sim-date" id="sim-date"></div>
        <div class="sim-note small" id="sim-note"></div><div class="faint small" id="sim-pace"></div>`;
    }
    $("#sim-zone").textContent = face.zone;
    $("#sim-time").textContent = face.time;
    $("#sim-date").textContent = face.date;
    $("#sim-note").textContent = face.working ? "Working hours" : everyDay ? "Outside office hours: this company works around the clock" : "Nights and weekends are quiet";
    $("#sim-note").className = `sim-note small${face.working ? " on" : ""}`;
    $("#sim-pace").textContent = pace;
  }

  function renderAll() {
    if (!job) return;
    takeSim();
    renderSim();
    renderHead();
    renderBanner();
    renderBuild();
    renderFigures();
    renderObjects();
    renderLimits();
    renderErrors();
    renderConfig();
  }

  // -- activity log -----------------------------------------------------------------------------
  function logItem(entry, fresh) {
    fresh = fresh && Date.now() - new Date(entry.timestamp).getTime() < 10000; // the backlog does not flash
    const c = colorFor(entry.event_type);
    return `<li${fresh ? ` class="fresh"` : ""} data-entry="${esc(entry.id)}"><time datetime="${esc(entry.timestamp)}" title="${esc(new Date(entry.timestamp).toLocaleString())}">${esc(clock(entry.timestamp))}</time><span class="etype" style="--c:${c}" title="${esc(entry.event_type)}">${esc(title(entry.event_type))}</span><span class="msg">${esc(entry.message)}</span></li>`;
  }

  function renderLogCount() {
    $("#log-count").textContent = entries.length ? `${num(entries.length)} shown, newest first` : "";
    $("#older").hidden = !entries.length || (moreOlder === null ? entries.length < 100 : !moreOlder);
    if (!entries.length) $("#log").innerHTML = `<li class="faint" style="display:block">No activity yet. Entries appear here the moment they happen.</li>`;
  }

  function addLive(entry) {
    if (entries.some((e) => e.id === entry.id)) return;
    const log = $("#log");
    if (!entries.length) log.innerHTML = "";
    entries.unshift(entry);
    log.insertAdjacentHTML("afterbegin", logItem(entry, true));
    if (oldestId === null) oldestId = entry.id;
    while (entries.length > MAX_LOG) {
      entries.pop();
      log.lastElementChild.remove();
      moreOlder = true;
    }
    oldestId = entries.length ? entries[entries.length - 1].id : null;
    countInChart(entry);
    renderLogCount();
  }

  async function loadOlder() {
    if (oldestId === null) return;
    const data = await get(`/api/jobs/${encodeURIComponent(jobId)}/activity_log?limit=100&before=${oldestId}`);
    const older = data.activity_log.filter((e) => !entries.some((x) => x.id === e.id));
    entries.push(...older);
    $("#log").insertAdjacentHTML("beforeend", older.map((e) => logItem(e, false)).join(""));
    oldestId = entries.length ? entries[entries.length - 1].id : null;
    moreOlder = data.next_before !== null;
    renderLogCount();
  }

  // -- chart: fetched once per window, then counted up from the stream ----------------------------
  function setWindow(key) {
    windowKey = key;
    root.querySelectorAll("[data-window]").forEach((b) => b.classList.toggle("active", b.dataset.window === key));
  }

  async function loadChart() {
    const [windowSeconds, buckets] = WINDOWS[windowKey];
    try {
      const data = await get(`/api/timeline?job_id=${encodeURIComponent(jobId)}&window_seconds=${windowSeconds}&buckets=${buckets}`);
      chart = { buckets: data.buckets.map((b) => ({ start: b.start, t: new Date(b.start).getTime(), counts: { ...b.counts } })), types: data.types, bucketSeconds: data.bucket_seconds, until: new Date(data.end).getTime() };
      drawChart();
    } catch (err) {
      $("#job-chart").innerHTML = `<div class="chart-empty">${esc(err.message)}</div>`;
    }
  }

  function rollChart(now) {
    const ms = chart.bucketSeconds * 1000;
    while (now >= chart.buckets[chart.buckets.length - 1].t + ms) {
      const t = chart.buckets[chart.buckets.length - 1].t + ms;
      chart.buckets.push({ start: new Date(t).toISOString(), t, counts: {} });
      chart.buckets.shift();
      chartDirty = true;
    }
  }

  function countInChart(entry) {
    if (!chart) return;
    const t = new Date(entry.timestamp).getTime();
    if (t <= chart.until) return; // already counted by the server's timeline
    rollChart(Math.max(t, Date.now()));
    const ms = chart.bucketSeconds * 1000;
    const index = Math.floor((t - chart.buckets[0].t) / ms);
    if (index < 0 || index >= chart.buckets.length) return;
    const counts = chart.buckets[index].counts;
    counts[entry.event_type] = (counts[entry.event_type] || 0) + 1;
    if (!chart.types.includes(entry.event_type)) chart.types.push(entry.event_type);
    chartDirty = true;
  }

  function drawChart() {
    if (!chart) return;
    chartDirty = false;
    stackedBars($("#job-chart"), chart);
  }

  // -- stream -----------------------------------------------------------------------------------
  function onMessage(message) {
    if (stopped) return;
    if (message.type === "job") {
      const first = job === null;
      job = message.job;
      renderAll();
      if (first) {
        setWindow(windowFor(job.first_started_at || job.created_at));
        loadChart();
        loadBudgets();
      }
    } else if (message.type === "activity") {
      addLive(message.entry);
      if (String(message.entry.event_type).endsWith("_failed") || message.entry.event_type === "error") renderErrors();
    } else if (message.type === "status" && job) {
      job.status = message.status;
      if (sim && message.status !== "running" && sim.running) { // frozen until the next job view says where
        sim = { ...sim, at: simNow(), received: Date.now(), running: false };
        simShown = null;
      }
      renderSim();
      renderHead();
      renderBanner();
    }
  }

  function onState(state) {
    const el = $("#live");
    if (!el) return;
    el.className = `live${state === "live" ? " on" : ""}`;
    el.textContent = { live: "live", connecting: "connecting", reconnecting: "reconnecting…", gone: "job not found" }[state] || state;
    if (state === "gone" && !job) showMissing();
  }

  // A job that does not exist: say so, instead of empty cards waiting for it.
  function showMissing() {
    if (missing || stopped) return;
    missing = true;
    stream.close();
    timers.forEach(clearInterval);
    document.title = "Job not found · tenantsim";
    root.innerHTML = `<div class="page-head"><div><h1 id="job-title">Job not found</h1></div></div>
      <section class="panel" id="not-found"><div class="empty"><h2>There is no job <code>${esc(jobId)}</code> on this server</h2>
        <p>It may have been mistyped, or it was started against another server's database.</p>
        <a class="btn btn-primary" href="#/">Back to all jobs</a></div></section>`;
  }

  // -- actions ----------------------------------------------------------------------------------
  async function act(action, button) {
    const path = `/api/jobs/${encodeURIComponent(jobId)}`;
    const objects = sum(job.created_objects);
    try {
      if (action === "cleanup") {
        const tenants = platformConfigs(job).map((c) => {
          const p = platformOf(c.connection_type);
          return `<code>${breakable(c[p.tenant_field] || p.tenant_noun || "the tenant")}</code>`;
        });
        const where = tenants.length > 1 ? `${tenants.slice(0, -1).join(", ")} and ${tenants[tenants.length - 1]}` : tenants[0];
        const ok = await confirmDialog({
          heading: "Clean up this job?",
          body: `This stops the job and deletes the <strong>${num(objects)}</strong> objects it created in ${where}. Nothing it did not create is touched.`,
          confirm: "Clean up", danger: true,
        });
        if (!ok) return;
        button.disabled = true;
        await post(`${path}/cleanup?wait=false`);
        toast("Cleanup started");
      } else if (action === "delete") {
        const ok = await confirmDialog({
          heading: "Delete this job?",
          body: objects ? `The job stops and leaves the list. Its <strong>${num(objects)}</strong> objects <strong>stay in the tenant</strong>: clean up first to remove them.` : "The job stops and leaves the list.",
          confirm: "Delete job", danger: true,
        });
        if (!ok) return;
        await del(`${path}/delete`);
        toast("Job deleted");
        location.hash = "#/";
        return;
      } else if (action === "stop") {
        const ok = await confirmDialog({ heading: "Stop this job?", body: "No more activity will be generated. What it created stays until you clean up.", confirm: "Stop job" });
        if (!ok) return;
        await post(`${path}/stop`);
        toast("Job stopped");
      } else if (action === "clone") {
        await cloneJob();
        return;
      } else {
        button.disabled = true;
        const data = await post(`${path}/${action}`);
        toast(data.message || `${title(action)} done`);
      }
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err), true);
      if (job) { headKey = ""; renderHead(); }
    }
  }

  async function cloneJob() {
    const dialog = document.getElementById("dialog");
    const cfg = job.config || {};
    dialog.innerHTML = `<form method="dialog">
      <h2>Clone this job</h2>
      <p>A new job with the same settings and tokens. Change what should differ.</p>
      <label class="field"><span class="label">Job name</span><input type="text" name="job_name" value="${esc(`${cfg.job_name || job.job_name} (copy)`)}" maxlength="200"></label>
      <label class="field" style="margin-top:10px"><span class="label">Activity level</span><select name="activity_level">${["low", "medium", "high"].map((l) => `<option${(cfg.activity_level || "medium") === l ? " selected" : ""}>${l}</option>`).join("")}</select></label>
      <div class="buttons"><button class="btn" value="cancel" formnovalidate>Cancel</button><button class="btn btn-primary" value="ok">Start clone</button></div>
    </form>`;
    const confirmed = await new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
    });
    if (!confirmed) return;
    const form = dialog.querySelector("form");
    const data = await post(`/api/jobs/${encodeURIComponent(jobId)}/clone`, { job_name: form.job_name.value.trim() || undefined, activity_level: form.activity_level.value });
    toast(`Clone started: ${data.job_id}`);
    location.hash = `#/jobs/${encodeURIComponent(data.job_id)}`;
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-act]");
    if (button && !button.disabled) { act(button.dataset.act, button); return; }
    const win = event.target.closest("[data-window]");
    if (win) {
      setWindow(win.dataset.window);
      loadChart();
      return;
    }
    if (event.target.closest("#older")) loadOlder().catch((err) => toast(err.message, true));
    const check = event.target.closest("#realism-check");
    if (check && !check.disabled) checkRealism();
  });

  const stream = new JobStream(jobId, onMessage, onState, 100);
  renderLogCount();
  get(`/api/jobs/${encodeURIComponent(jobId)}`).catch((err) => {
    if (err instanceof ApiError && err.status === 404 && !job) showMissing();
  });
  const onResize = () => drawChart();
  window.addEventListener("resize", onResize);
  timers.push(setInterval(() => { if (job && !document.hidden) renderSim(); }, 1000));
  timers.push(setInterval(() => {
    if (!chart || document.hidden) return;
    rollChart(Date.now());
    if (chartDirty) drawChart();
  }, 1000));
  timers.push(setInterval(() => { if (job && !document.hidden) { renderFigures(); loadBudgets(); } }, 5000));
  return () => {
    stopped = true;
    stream.close();
    timers.forEach(clearInterval);
    window.removeEventListener("resize", onResize);
    document.title = "tenantsim";
  };
}
