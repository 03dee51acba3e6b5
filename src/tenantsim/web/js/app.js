// Hash router and the top bar. Views: #/ (jobs), #/new (new-job form), #/jobs/<id> (one job).
import { get } from "./api.js";
import { mountJob } from "./job.js";
import { mountJobs } from "./jobs.js";
import { mountNewJob } from "./newjob.js";
import { loadPlatforms, platformOf } from "./platforms.js";

const root = document.getElementById("view");
let unmount = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { parts: path.split("/").filter(Boolean), params: new URLSearchParams(query) };
}

function route() {
  if (unmount) {
    try { unmount(); } catch (err) { console.error(err); }
    unmount = null;
  }
  const { parts, params } = parseHash();
  let nav = "jobs";
  // A fresh element per view: listeners a view put on its host leave with it.
  const host = document.createElement("div");
  root.replaceChildren(host);
  if (parts[0] === "new") {
    nav = "new";
    unmount = mountNewJob(host, params);
  } else if (parts[0] === "jobs" && parts[1]) {
    unmount = mountJob(host, decodeURIComponent(parts[1]));
  } else {
    unmount = mountJobs(host, params);
  }
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === nav));
  root.focus({ preventScroll: true });
}

async function refreshHealth() {
  const el = document.getElementById("health");
  try {
    const health = await get("/api/health");
    const db = health.checks && health.checks.database;
    el.className = `health ${db && db.ok ? "ok" : "bad"}`;
    el.querySelector(".label").textContent = `v${health.version} · ${db ? db.backend : "?"}`;
    el.title = `Server running · ${health.active_jobs} active job(s) · database ${db && db.ok ? "ok" : "unreachable"}`;
  } catch (err) {
    el.className = "health bad";
    el.querySelector(".label").textContent = "Server unreachable";
    el.title = err.message;
  }
}

async function showSandboxBadge() {
  try {
    const info = await get("/api/sandbox");
    const badge = document.getElementById("sandbox-badge");
    badge.hidden = !info.sandbox;
    const names = Object.keys(info.tenants || {}).map((type) => platformOf(type).label);
    if (names.length) badge.title = `Emulated ${names.join(" and ")} tenants run inside this server`;
  } catch (err) {
    /* the badge is a nicety */
  }
}

// Views render platforms from /api/platforms: load it first (a view still opens if it cannot).
loadPlatforms()
  .catch((err) => console.error("platforms", err))
  .finally(() => {
    window.addEventListener("hashchange", route);
    route();
  });
refreshHealth();
showSandboxBadge();
setInterval(refreshHealth, 15000);
