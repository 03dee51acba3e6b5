// The jobs overview: totals, two charts, and the jobs table with live figures.
import { ApiError, get, post } from "./api.js";
import { WINDOWS, rateLimitList, stackedBars, windowFor } from "./charts.js";
import { ago, compact, esc, meterClass, num, perHour, platformMarks, status, title, toast } from "./format.js";
import { platforms } from "./platforms.js";

const FILTERS = {
  all: { label: "All", match: () => true },
  active: { label: "Active", match: (s) => ["pending", "running", "paused", "cleaning"].includes(s) },
  failed: { label: "Failed", match: (s) => s === "failed" },
  finished: { label: "Finished", match: (s) => ["stopped", "cleaned"].includes(s) },
};
const REFRESH_MS = 2500;
const PRODUCING = ["pending", "running", "paused"]; // statuses with an event rate
const CALLING = [...PRODUCING, "cleaning"]; // statuses in which a job still calls its tenant

// "an Okta org or an Asana workspace": the kinds of tenant this server's platforms have.
function tenantNouns() {
  const nouns = platforms().map((p) => `${/^[aeiou]/i.test(p.tenant_noun) ? "an" : "a"} ${p.tenant_noun}`);
  return nouns.length ? nouns.join(" or ") : "a SaaS tenant";
}
const CHART_REFRESH_MS = 10000;

export function mountJobs(root, params) {
  let filter = params.get("filter") in FILTERS ? params.get("filter") : "all";
  let windowKey = "1h";
  let windowChosen = false; // by the person; until then the window follows the oldest active job
  let jobs = [];
  let stopped = false;
  const timers = [];

  root.innerHTML = `
    <div class="page-head">
      <div><h1>Jobs</h1><div class="sub" id="jobs-sub">Loading…</div></div>
      <div class="actions"><a class="btn btn-primary" href="#/new">New job</a></div>
    </div>
    <div class="stats" id="totals"></div>
    <div class="grid grid-2" style="margin-bottom:16px">
      <section class="panel">
        <div class="panel-head"><h2>Events over time</h2><span class="hint">all jobs, by type</span>
          <div class="right chips" id="windows">${Object.keys(WINDOWS).map((k) => `<button class="chip${k === windowKey ? " active" : ""}" data-window="${k}">${k}</button>`).join("")}</div></div>
        <div class="panel-body"><div id="events-chart"><div class="chart-empty">Loading…</div></div></div>
      </section>
      <section class="panel">
        <div class="panel-head"><h2>Rate-limit use</h2><span class="hint">per tenant bucket, last window</span></div>
        <div class="panel-body"><div id="rate-chart"><div class="chart-empty">Loading…</div></div></div>
      </section>
    </div>
    <section class="panel">
      <div class="panel-head"><div class="chips" id="filters"></div></div>
      <div class="panel-body" style="padding:12px 0 0"><div class="table-wrap" id="table"></div></div>
    </section>`;

  const $ = (sel) => root.querySelector(sel);

  function renderTotals(counts) {
    const live = jobs.filter((j) => j.status === "running");
    const eventsPerHour = live.reduce((a, j) => a + (j.events_per_hour || 0), 0);
    const objects = jobs.reduce((a, j) => a + (j.created_objects_count || 0), 0);
    const throttled = jobs.reduce((a, j) => a + ((j.rate_limit && j.rate_limit.throttled) || 0), 0);
    const tokens = jobs.reduce((a, j) => a + (j.llm_tokens ? j.llm_tokens.input + j.llm_tokens.output : 0), 0);
    const failed = counts.failed || 0;
    const stat = (label, value, note = "", id = "") => `<div class="stat"${id ? ` data-stat="${id}"` : ""}><div class="stat-label">${label}</div><div class="stat-value">${value}</div><div class="stat-note">${note}</div></div>`;
    $("#totals").innerHTML = [
      stat("Running", num(counts.running || 0), `${num(counts.paused || 0)} paused · ${num(counts.cleaning || 0)} cleaning`, "running"),
      stat("Events / hour", perHour(eventsPerHour), "across running jobs", "events-per-hour"),
      stat("Objects in tenants", num(objects), "created by jobs, not yet cleaned"),
      stat("Throttled calls", num(throttled), "429 answers, waited out"),
      stat("LLM tokens", compact(tokens), tokens ? "input + output" : "offline content uses none"),
      stat("Failed", num(failed), failed ? "see the job for the error" : "none"),
    ].join("");
  }

  function renderFilters() {
    $("#filters").innerHTML = Object.entries(FILTERS).map(([key, f]) => {
      const count = jobs.filter((j) => f.match(j.status)).length;
      return `<button class="chip${key === filter ? " active" : ""}" data-filter="${key}">${f.label}<span class="count">${count}</span></button>`;
    }).join("");
  }

  function headroomCell(job) {
    const share = job.rate_limit && CALLING.includes(job.status) ? job.rate_limit.headroom : null;
    if (share === null || share === undefined) return `<span class="faint">–</span>`;
    return `<span class="meter ${meterClass(share)}"><i style="width:${(share * 100).toFixed(0)}%"></i></span>${Math.round(share * 100)}%`;
  }

  function statusCell(job) {
    let note = "";
    if ((job.status === "running" || job.status === "pending") && !job.seeded) note = ` <span class="faint small">building ${Math.round(job.build_percent || 0)}%</span>`;
    if (job.status === "failed" && job.last_error) note = ` <span class="faint small" title="${esc(job.last_error)}">⚠</span>`;
    return status(job.status) + note;
  }

  function actionCell(job) {
    if (job.status === "running" || job.status === "pending") return `<button class="btn btn-sm" data-act="pause" data-id="${esc(job.job_id)}">Pause</button>`;
    if (job.status === "paused") return `<button class="btn btn-sm" data-act="resume" data-id="${esc(job.job_id)}">Resume</button>`;
    return "";
  }

  function renderTable() {
    renderFilters();
    const shown = jobs.filter((j) => FILTERS[filter].match(j.status));
    if (!jobs.length) {
      $("#table").innerHTML = `<div class="empty"><h2>No jobs yet</h2><p>A job plays a company inside ${esc(tenantNouns())}: people, groups, projects and a steady stream of realistic activity. Everything it creates can be cleaned up again.</p><a class="btn btn-primary btn-lg" href="#/new">Start your first job</a></div>`;
      return;
    }
    if (!shown.length) {
      $("#table").innerHTML = `<div class="empty"><p>No ${esc(FILTERS[filter].label.toLowerCase())} jobs.</p></div>`;
      return;
    }
    $("#table").innerHTML = `<table class="jobs"><thead><tr>
        <th>Status</th><th>Job</th><th>Platform</th><th>Industry</th><th class="num">Objects</th>
        <th class="num">Events / h</th><th>Last activity</th><th>Rate-limit head-room</th><th class="num">LLM tokens</th><th></th>
      </tr></thead><tbody>${shown.map((job) => `
        <tr data-id="${esc(job.job_id)}">
          <td>${statusCell(job)}</td>
          <td><a class="job-name" href="#/jobs/${encodeURIComponent(job.job_id)}">${esc(job.job_name || job.job_id)}</a><span class="job-id">${esc(job.job_id)}</span></td>
          <td data-col="platform">${platformMarks(job.platforms && job.platforms.length ? job.platforms : [job.connection_type])}</td>
          <td>${esc(title(job.industry))}</td>
          <td class="num" title="${esc(Object.entries(job.created_objects || {}).map(([k, v]) => `${title(k)}: ${v}`).join("\n"))}">${num(job.created_objects_count)}</td>
          <td class="num" data-col="events-per-hour">${PRODUCING.includes(job.status) ? perHour(job.events_per_hour) : `<span class="faint">–</span>`}</td>
          <td title="${esc(job.last_activity_at || "")}">${esc(ago(job.last_activity_at))}</td>
          <td data-col="headroom">${headroomCell(job)}</td>
          <td class="num">${compact(job.llm_tokens ? job.llm_tokens.input + job.llm_tokens.output : 0)}</td>
          <td><div class="row-actions">${actionCell(job)}</div></td>
        </tr>`).join("")}</tbody></table>`;
  }

  async function refresh() {
    try {
      const data = await get("/api/overview");
      if (stopped) return;
      jobs = data.jobs;
      const counts = data.status_counts || {};
      const parts = ["running", "paused", "cleaning", "failed"].filter((s) => counts[s]).map((s) => `${num(counts[s])} ${s}`);
      $("#jobs-sub").textContent = jobs.length ? `${num(jobs.length)} job${jobs.length === 1 ? "" : "s"}${parts.length ? " · " + parts.join(" · ") : ""}` : "Nothing running yet";
      renderTotals(counts);
      renderTable();
      if (!windowChosen) {
        // The oldest active job's life, or else the newest job's: what someone opening the page looks for.
        const active = jobs.filter((j) => FILTERS.active.match(j.status)).map((j) => j.created_at).sort();
        const newest = jobs.map((j) => j.created_at).sort().pop();
        const fitting = active.length ? windowFor(active[0]) : newest ? windowFor(newest) : "1h";
        if (fitting !== windowKey) { setWindow(fitting); refreshCharts(); }
      }
    } catch (err) {
      if (!stopped) $("#jobs-sub").textContent = err.message;
    }
  }

  function setWindow(key) {
    windowKey = key;
    root.querySelectorAll("[data-window]").forEach((b) => b.classList.toggle("active", b.dataset.window === key));
  }

  async function refreshCharts() {
    const [windowSeconds, buckets] = WINDOWS[windowKey];
    try {
      const [timeline, rates] = await Promise.all([
        get(`/api/timeline?window_seconds=${windowSeconds}&buckets=${buckets}`),
        get("/api/ratelimits"),
      ]);
      if (stopped) return;
      stackedBars($("#events-chart"), { buckets: timeline.buckets, types: timeline.types, bucketSeconds: timeline.bucket_seconds });
      rateLimitList($("#rate-chart"), rates.tenants, rates.window_seconds);
    } catch (err) {
      if (!stopped) $("#events-chart").innerHTML = `<div class="chart-empty">${esc(err.message)}</div>`;
    }
  }

  root.addEventListener("click", async (event) => {
    const action = event.target.closest("[data-act]");
    if (action) {
      event.stopPropagation();
      action.disabled = true;
      try {
        await post(`/api/jobs/${encodeURIComponent(action.dataset.id)}/${action.dataset.act}`);
        toast(`Job ${action.dataset.act === "pause" ? "paused" : "resumed"}`);
      } catch (err) {
        toast(err instanceof ApiError ? err.message : String(err), true);
      }
      refresh();
      return;
    }
    const chip = event.target.closest("[data-filter]");
    if (chip) { filter = chip.dataset.filter; renderTable(); return; }
    const win = event.target.closest("[data-window]");
    if (win) {
      windowChosen = true;
      setWindow(win.dataset.window);
      refreshCharts();
      return;
    }
    const row = event.target.closest("tr[data-id]");
    if (row && !event.target.closest("a")) location.hash = `#/jobs/${encodeURIComponent(row.dataset.id)}`;
  });

  const onResize = () => refreshCharts();
  window.addEventListener("resize", onResize);
  refresh();
  refreshCharts();
  timers.push(setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS));
  timers.push(setInterval(() => { if (!document.hidden) refreshCharts(); }, CHART_REFRESH_MS));
  return () => {
    stopped = true;
    timers.forEach(clearInterval);
    window.removeEventListener("resize", onResize);
  };
}
