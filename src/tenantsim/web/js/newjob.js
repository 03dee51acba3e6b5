// The new-job form: where (tenant and tokens, checked as they are typed), what company, what rhythm.
import { ApiError, get, post } from "./api.js";
import { esc, num, title, toast } from "./format.js";

const SPEEDS = [
  [1, "Real time"],
  [60, "60× — an hour per minute"],
  [600, "600× — a working day in under a minute"],
  [3600, "3600× — an hour per second"],
];
const DEBOUNCE_MS = 450;

export function mountNewJob(root, params) {
  let options = null;
  let templates = [];
  let sandbox = { sandbox: false, tenants: {} };
  let type = params.get("type") === "asana" ? "asana" : "okta";
  let tokenSeq = 0;
  const sizeHint = (size) => {
    const people = options && options.org_size_people ? options.org_size_people[size] : null;
    return people ? `about ${num(people)} people` : "";
  };
  let stopped = false;
  const timers = new Map();

  root.innerHTML = `<div class="page-head"><div><h1>New job</h1><div class="sub">Pick a tenant, describe the company, choose its rhythm. Tokens are checked as you type.</div></div></div>
    <div id="form-host"><div class="panel"><div class="panel-body">Loading…</div></div></div>`;
  const $ = (sel) => root.querySelector(sel);

  function optionList(items, selected) {
    return items.map(([value, label]) => `<option value="${esc(value)}"${String(value) === String(selected) ? " selected" : ""}>${esc(label)}</option>`).join("");
  }

  function render() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    $("#form-host").innerHTML = `
      ${sandbox.sandbox ? `<div class="callout" id="sandbox-callout"><div><p><strong>Sandbox mode.</strong> This server runs an emulated Okta org and Asana workspace, so you can try everything without a real tenant.</p></div>
        <button type="button" class="btn btn-primary" data-fill-sandbox>Use the sandbox tenant</button></div>` : ""}
      <div class="grid grid-main">
      <form class="panel job-form" novalidate autocomplete="off">
        <div class="form-section">
          <h3>Platform</h3>
          <div class="choices">
            <label class="choice"><input type="radio" name="connection_type" value="okta"${type === "okta" ? " checked" : ""}><span class="platform-mark pm-okta">O</span><span><strong>Okta</strong><small>People, groups, app assignments, lifecycle changes</small></span></label>
            <label class="choice"><input type="radio" name="connection_type" value="asana"${type === "asana" ? " checked" : ""}><span class="platform-mark pm-asana">A</span><span><strong>Asana</strong><small>Projects, tasks, subtasks, comments, status updates</small></span></label>
          </div>
        </div>
        <div class="form-section">
          <h3>Tenant and tokens</h3>
          <div class="fields">
            <label class="field wide" data-for="okta"><span class="label">Okta org URL</span><input type="url" name="org_url" placeholder="https://dev-123456.okta.com" spellcheck="false"><span class="check" id="org-check"></span></label>
          </div>
          <div class="field wide" style="margin-top:14px"><span class="label">${type === "okta" ? "Admin API tokens (SSWS)" : "Personal access tokens"}</span>
            <span class="help">${type === "okta" ? "Each token acts as one admin. The job uses every token that works." : "Each token is one person in the workspace; more tokens make conversations between people."}</span>
            <div id="tokens" style="margin-top:6px"></div>
            <div><button type="button" class="btn btn-sm" data-add-token style="margin-top:8px">Add another token</button></div>
          </div>
          <div class="fields" style="margin-top:14px" data-for="asana">
            <label class="field"><span class="label">Workspace</span><select name="workspace_gid"><option value="">Enter a valid token first</option></select><span class="check" id="workspace-check"></span></label>
            <input type="hidden" name="base_url">
          </div>
        </div>
        <div class="form-section">
          <h3>Company</h3>
          <div class="fields">
            <label class="field"><span class="label">Start from a template</span><select name="template"><option value="">No template</option>${templates.filter((t) => t.connection_type === type).map((t) => `<option value="${esc(t.name)}" title="${esc(t.description)}">${esc(t.title)}</option>`).join("")}</select><span class="help" id="template-help">Presets fill the fields below; you can still change them.</span></label>
            <label class="field"><span class="label">Industry</span><select name="industry">${optionList(options.industries.map((i) => [i.key, i.label]), "technology")}</select></label>
            <div class="field" data-for="okta"><span class="label">Size</span>
              <div class="segmented">${options.org_sizes.map((s) => `<label><input type="radio" name="org_size" value="${esc(s)}"${s === "startup" ? " checked" : ""}>${esc(title(s))}</label>`).join("")}</div>
              <span class="help" id="size-hint">${esc(sizeHint("startup"))}</span></div>
            <label class="field" data-for="okta"><span class="label">People to create</span><input type="number" name="initial_users" min="1" max="100000" placeholder="by size"><span class="help">Leave empty to follow the size.</span></label>
            <label class="field" data-for="asana"><span class="label">Projects to start with</span><input type="number" name="initial_projects" min="1" max="200" placeholder="default"></label>
          </div>
        </div>
        <div class="form-section">
          <h3>Rhythm</h3>
          <div class="fields">
            <div class="field"><span class="label">Activity level</span>
              <div class="segmented">${options.activity_levels.map((l) => `<label title="${num(l.events_per_hour)} events per working hour"><input type="radio" name="activity_level" value="${esc(l.key)}"${l.key === "medium" ? " checked" : ""}>${esc(title(l.key))}</label>`).join("")}</div>
              <span class="help" id="level-hint"></span></div>
            <label class="field"><span class="label">Working hours</span><select name="working_hours">${optionList(options.working_hours.map((w) => [w.key, `${title(w.key)} (${String(w.start).padStart(2, "0")}–${w.end}${w.weekends ? ", every day" : ", Mon–Fri"})`]), "business")}</select></label>
            <label class="field"><span class="label">Time zone</span><input type="text" name="timezone" list="zones" value="${esc(zone)}" spellcheck="false"><datalist id="zones">${zones.map((z) => `<option value="${esc(z)}">`).join("")}</datalist></label>
            <label class="field"><span class="label">Speed</span><select name="time_scale">${optionList(SPEEDS, 1)}</select><span class="help">Simulated time per real second, for demos.</span></label>
          </div>
        </div>
        <div class="form-section">
          <h3>Lifetime and content</h3>
          <div class="fields">
            <label class="field"><span class="label">Run for</span><select name="duration_days">${optionList([["", "Until stopped"], [1, "1 day"], [7, "7 days"], [30, "30 days"], [90, "90 days"]], "")}</select></label>
            <label class="field"><span class="label">Clean up automatically</span><select name="cleanup_after">${optionList([["", "Never"], ["1h", "After 1 hour"], ["1d", "After 1 day"], ["7d", "After 7 days"], ["30d", "After 30 days"]], "")}</select></label>
            <div class="field"><span class="label">Content</span>
              <div class="segmented"><label><input type="radio" name="content_provider" value="offline" checked>Offline packs</label><label><input type="radio" name="content_provider" value="anthropic">Anthropic</label></div>
              <span class="help">Offline: seeded, no network. Anthropic: richer text, uses tokens.</span></div>
            <label class="field" data-for-content="anthropic" hidden><span class="label">Anthropic API key</span><input type="password" name="anthropic_api_key" placeholder="${options.server_has_anthropic_key ? "optional: the server has one" : "sk-ant-…"}"></label>
          </div>
          <details class="advanced" style="margin-top:14px"><summary>Advanced</summary>
            <div class="fields">
              <label class="field"><span class="label">Job name</span><input type="text" name="job_name" maxlength="200" placeholder="from industry and platform"></label>
              <label class="field"><span class="label">Max API capacity (%)</span><input type="number" name="max_api_capacity" min="1" max="100" value="100"><span class="help">Share of the tenant's rate limit this job may use.</span></label>
              <label class="field"><span class="label">Seed</span><input type="number" name="seed" min="0" placeholder="random"><span class="help">The same seed makes the same company.</span></label>
            </div>
          </details>
        </div>
        <div class="form-error" id="form-error" hidden></div>
        <div class="form-foot"><button type="submit" class="btn btn-primary btn-lg" id="start">Start job</button><span class="faint small">Tokens are checked again before the job starts.</span></div>
      </form>
      <aside class="panel summary"><div class="panel-head"><h2>Summary</h2></div><div class="panel-body" id="summary"></div></aside>
      </div>`;
    addToken();
    applyType();
    updateHints();
  }

  function renderSummary() {
    const f = form();
    if (!f || !options) return;
    const radio = (name) => (f.querySelector(`[name=${name}]:checked`) || {}).value;
    const rows = tokenRows();
    const valid = rows.filter((r) => r.row.dataset.valid === "1").length;
    const withToken = rows.filter((r) => r.token).length;
    const industry = options.industries.find((i) => i.key === f.industry.value);
    const level = options.activity_levels.find((l) => l.key === radio("activity_level"));
    const scale = Number(f.time_scale.value) || 1;
    const workspace = f.workspace_gid.selectedOptions[0];
    const tenant = type === "okta" ? (f.org_url.value.trim() || "no org URL yet")
      : (workspace && workspace.value ? workspace.textContent : "no workspace yet");
    const size = type === "okta"
      ? (f.initial_users.value ? `${num(Number(f.initial_users.value))} people` : `${title(radio("org_size"))}, ${sizeHint(radio("org_size"))}`)
      : (f.initial_projects.value ? `${num(Number(f.initial_projects.value))} projects to start` : "default number of projects");
    const duration = f.duration_days.selectedOptions[0].textContent;
    const cleanup = f.cleanup_after.selectedOptions[0].textContent;
    $("#summary").innerHTML = `<dl class="kv">
        <dt>Platform</dt><dd>${esc(title(type))}</dd>
        <dt>Tenant</dt><dd class="small">${esc(tenant)}</dd>
        <dt>Tokens</dt><dd>${withToken ? `<span class="${valid === withToken ? "check ok" : "check"}" style="justify-content:flex-end">${num(valid)} of ${num(withToken)} valid</span>` : "none yet"}</dd>
        <dt>Company</dt><dd>${esc(industry ? industry.label : "")}</dd>
        <dt>Size</dt><dd class="small">${esc(size)}</dd>
        <dt>Busiest hour</dt><dd>${level ? `${num(level.events_per_hour * scale)} events${scale > 1 ? " per real hour" : ""}` : ""}</dd>
        <dt>Runs</dt><dd class="small">${esc(duration)} · cleanup ${esc(cleanup.toLowerCase())}</dd>
      </dl>
      <ol class="next small">
        <li>The job builds the company: people${type === "okta" ? ", groups and app assignments" : ", projects and tasks"}. Its page shows progress and an ETA.</li>
        <li>Then it keeps the tenant busy, in working hours of its time zone, within the rate limits.</li>
        <li><strong>Clean up</strong> removes exactly what the job created, and nothing else.</li>
      </ol>`;
  }

  const form = () => $("form.job-form");

  function applyType() {
    root.querySelectorAll("[data-for]").forEach((el) => { el.hidden = el.dataset.for !== type; });
    const provider = form().querySelector("[name=content_provider]:checked").value;
    root.querySelectorAll("[data-for-content]").forEach((el) => { el.hidden = el.dataset.forContent !== provider; });
  }

  function updateHints() {
    const f = form();
    const size = f.querySelector("[name=org_size]:checked");
    if (size) $("#size-hint").textContent = sizeHint(size.value);
    const level = f.querySelector("[name=activity_level]:checked").value;
    const rate = options.activity_levels.find((l) => l.key === level);
    const scale = Number(f.time_scale.value) || 1;
    const perHour = rate ? rate.events_per_hour * scale : 0;
    $("#level-hint").textContent = rate ? `${num(rate.events_per_hour)} events per working hour${scale > 1 ? ` — at this speed about ${num(perHour)} per real hour` : ""}` : "";
  }

  // -- tokens, checked as they are typed ---------------------------------------------------------
  function addToken(name = "", token = "") {
    const id = ++tokenSeq;
    const index = $("#tokens").children.length + 1;
    $("#tokens").insertAdjacentHTML("beforeend", `<div class="token-row-wrap" data-token="${id}">
      <div class="token-row"><input type="text" name="token_name" placeholder="${type === "okta" ? `admin${index}` : `user${index}`}" value="${esc(name)}" aria-label="Token name">
      <input type="password" name="token_value" placeholder="${type === "okta" ? "00abc…" : "1/1234…"}" value="${esc(token)}" aria-label="Token" spellcheck="false">
      <button type="button" class="btn btn-sm" data-remove-token title="Remove this token"${index === 1 ? " hidden" : ""}>Remove</button></div>
      <div class="check" data-token-check></div></div>`);
    if (token) scheduleCheck(id);
  }

  function tokenRows() {
    return [...root.querySelectorAll("[data-token]")].map((row) => ({
      id: row.dataset.token, row,
      name: row.querySelector("[name=token_name]").value.trim() || row.querySelector("[name=token_name]").placeholder,
      token: row.querySelector("[name=token_value]").value.trim(),
    }));
  }

  function scheduleCheck(id, delay = DEBOUNCE_MS) {
    clearTimeout(timers.get(id));
    timers.set(id, setTimeout(() => checkToken(id), delay));
  }

  async function checkToken(id) {
    const row = root.querySelector(`[data-token="${id}"]`);
    if (!row || stopped) return;
    const check = row.querySelector("[data-token-check]");
    const token = row.querySelector("[name=token_value]").value.trim();
    const orgUrl = form().org_url.value.trim();
    row.dataset.valid = "";
    if (!token) { check.className = "check"; check.textContent = ""; return; }
    if (type === "okta" && !orgUrl) { check.className = "check"; check.textContent = "Enter the org URL to check this token."; return; }
    check.className = "check";
    check.textContent = "Checking…";
    const body = type === "okta" ? { connection_type: "okta", token, org_url: orgUrl } : { connection_type: "asana", api_key: token };
    if (type === "asana" && form().base_url.value) body.base_url = form().base_url.value;
    try {
      const data = await post("/api/validate_token", body);
      if (token !== row.querySelector("[name=token_value]").value.trim()) return; // typed on since
      const who = data.user || {};
      check.className = "check ok";
      check.textContent = `✓ Valid — ${who.name || "user"}${who.email ? ` <${who.email}>` : ""}`;
      row.dataset.valid = "1";
      renderSummary();
      if (type === "okta") checkOrg(token, orgUrl);
      else loadWorkspaces(token);
    } catch (err) {
      check.className = "check bad";
      check.textContent = `✗ ${err.message}`;
      renderSummary();
    }
  }

  async function checkOrg(token, orgUrl) {
    const el = $("#org-check");
    try {
      const data = await post("/api/okta/orgs", { token, org_url: orgUrl });
      const org = data.org || {};
      el.className = "check ok";
      el.textContent = `✓ ${org.org_name || orgUrl} is reachable${org.authenticated_user && org.authenticated_user.name ? ` as ${org.authenticated_user.name}` : ""}`;
    } catch (err) {
      el.className = "check bad";
      el.textContent = `✗ ${err.message}`;
    }
  }

  async function loadWorkspaces(token) {
    const select = form().workspace_gid;
    const el = $("#workspace-check");
    const body = { api_key: token };
    if (form().base_url.value) body.base_url = form().base_url.value;
    try {
      const data = await post("/api/workspaces", body);
      const current = select.value || select.dataset.want || "";
      const list = data.workspaces || [];
      select.innerHTML = list.length ? list.map((w) => `<option value="${esc(w.gid)}"${w.gid === current ? " selected" : ""}>${esc(w.name)}</option>`).join("") : `<option value="">No workspaces for this token</option>`;
      el.className = "check ok";
      el.textContent = list.length ? `${num(list.length)} workspace${list.length === 1 ? "" : "s"} available` : "";
      renderSummary();
    } catch (err) {
      el.className = "check bad";
      el.textContent = `✗ ${err.message}`;
    }
  }

  // -- templates and the sandbox -----------------------------------------------------------------
  function setRadio(name, value) {
    const input = form().querySelector(`[name=${name}][value="${CSS.escape(String(value))}"]`);
    if (input) input.checked = true;
  }

  function applyTemplate(name) {
    const template = templates.find((t) => t.name === name);
    $("#template-help").textContent = template ? template.description : "Presets fill the fields below; you can still change them.";
    if (!template) return;
    const f = form();
    const c = template.config;
    if (c.industry) f.industry.value = c.industry;
    if (c.org_size) setRadio("org_size", c.org_size);
    f.initial_users.value = c.initial_users ?? "";
    f.initial_projects.value = c.initial_projects ?? "";
    if (c.activity_level) setRadio("activity_level", c.activity_level);
    if (c.working_hours) f.working_hours.value = c.working_hours;
    if (c.timezone) f.timezone.value = c.timezone;
    if (c.content_provider) setRadio("content_provider", c.content_provider);
    applyType();
    updateHints();
  }

  function switchType(next) {
    if (next === type) return;
    type = next;
    const keep = new FormData(form());
    render();
    for (const field of ["industry", "working_hours", "timezone", "time_scale", "duration_days", "cleanup_after", "job_name"]) {
      if (keep.get(field) !== null) form()[field].value = keep.get(field);
    }
    setRadio("activity_level", keep.get("activity_level"));
    updateHints();
    renderSummary();
  }

  function fillSandbox() {
    const tenant = sandbox.tenants[type];
    if (!tenant) { toast(`The sandbox has no ${title(type)} tenant`, true); return; }
    const f = form();
    $("#tokens").innerHTML = "";
    if (type === "okta") {
      f.org_url.value = tenant.org_url;
      (tenant.tokens || []).slice(0, 1).forEach((token, i) => addToken(`admin${i + 1}`, token));
    } else {
      f.base_url.value = tenant.base_url || "";
      const workspace = (tenant.workspaces || [])[0];
      if (workspace) {
        f.workspace_gid.dataset.want = workspace.gid;
        f.workspace_gid.innerHTML = `<option value="${esc(workspace.gid)}">${esc(workspace.name)}</option>`;
      }
      (tenant.users || []).slice(0, 3).forEach((user) => addToken(user.name.split(" ")[0].toLowerCase(), user.token));
    }
    if (!tokenRows().length) addToken();
    // A demo should be watchable whatever the hour: 60× speed, activity around the clock.
    f.time_scale.value = "60";
    f.working_hours.value = "always";
    if (!f.job_name.value) f.job_name.value = `Sandbox ${title(type)} demo`;
    updateHints();
    renderSummary();
    toast("Filled in the sandbox tenant (60× speed, active around the clock). Pick a company and start.");
  }

  // -- submit ------------------------------------------------------------------------------------
  function collect() {
    const f = form();
    const value = (name) => (f[name] && f[name].value !== undefined ? String(f[name].value).trim() : "");
    const radio = (name) => (f.querySelector(`[name=${name}]:checked`) || {}).value;
    const numberOf = (name) => (value(name) === "" ? undefined : Number(value(name)));
    const body = {
      connection_type: type, industry: value("industry"), activity_level: radio("activity_level"),
      working_hours: value("working_hours"), timezone: value("timezone") || "UTC",
      time_scale: Number(value("time_scale")) || 1, content_provider: radio("content_provider"),
      max_api_capacity: numberOf("max_api_capacity"), seed: numberOf("seed"),
      duration_days: numberOf("duration_days"), cleanup_after: value("cleanup_after") || undefined,
      job_name: value("job_name") || undefined, template: value("template") || undefined,
    };
    if (body.content_provider === "anthropic" && value("anthropic_api_key")) body.anthropic_api_key = value("anthropic_api_key");
    const tokens = tokenRows().filter((t) => t.token);
    if (type === "okta") {
      body.org_url = value("org_url");
      body.org_size = radio("org_size");
      body.initial_users = numberOf("initial_users");
      body.user_tokens = tokens.map((t) => ({ name: t.name, token: t.token, org_url: body.org_url }));
    } else {
      body.workspace_gid = value("workspace_gid");
      body.initial_projects = numberOf("initial_projects");
      if (value("base_url")) body.base_url = value("base_url");
      body.user_tokens = tokens.map((t) => ({ name: t.name, token: t.token }));
    }
    return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ""));
  }

  async function submit(event) {
    event.preventDefault();
    const error = $("#form-error");
    const button = $("#start");
    error.hidden = true;
    const body = collect();
    if (!body.user_tokens || !body.user_tokens.length) {
      error.textContent = "Add at least one token.";
      error.hidden = false;
      return;
    }
    button.disabled = true;
    button.innerHTML = `<span class="spin"></span>Checking tokens and starting…`;
    try {
      const data = await post("/api/jobs/start", body);
      toast(data.message);
      location.hash = `#/jobs/${encodeURIComponent(data.job_id)}`;
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
      error.hidden = false;
      button.disabled = false;
      button.textContent = "Start job";
    }
  }

  root.addEventListener("input", (event) => {
    const t = event.target;
    queueMicrotask(renderSummary);
    if (t.name === "token_value") scheduleCheck(t.closest("[data-token]").dataset.token);
    if (t.name === "org_url") tokenRows().forEach((row) => scheduleCheck(row.id, DEBOUNCE_MS * 1.5));
  });
  root.addEventListener("change", (event) => {
    const t = event.target;
    queueMicrotask(renderSummary);
    if (t.name === "connection_type") switchType(t.value);
    else if (t.name === "template") applyTemplate(t.value);
    else if (t.name === "content_provider") applyType();
    if (["org_size", "activity_level", "time_scale"].includes(t.name)) updateHints();
  });
  root.addEventListener("click", (event) => {
    if (event.target.closest("[data-add-token]")) addToken();
    else if (event.target.closest("[data-remove-token]")) event.target.closest("[data-token]").remove();
    else if (event.target.closest("[data-fill-sandbox]")) fillSandbox();
  });
  root.addEventListener("submit", submit);

  Promise.all([get("/api/options"), get("/api/templates"), get("/api/sandbox").catch(() => sandbox)])
    .then(([opts, tpl, sb]) => {
      if (stopped) return;
      options = opts;
      templates = tpl.templates || [];
      sandbox = sb;
      const wanted = templates.find((t) => t.name === params.get("template"));
      if (wanted) type = wanted.connection_type;
      render();
      if (wanted) { form().template.value = wanted.name; applyTemplate(wanted.name); }
      if (params.get("sandbox") === "1" && sandbox.sandbox) fillSandbox();
      renderSummary();
    })
    .catch((err) => { $("#form-host").innerHTML = `<div class="error-box">${esc(err.message)}</div>`; });

  return () => {
    stopped = true;
    timers.forEach((t) => clearTimeout(t));
  };
}
