// The new-job form: where (tenant and tokens, checked as they are typed), what company, what rhythm.
// Each platform's part of the form (its fields, tokens, checks) is drawn from its description in
// GET /api/platforms, and a sandbox tenant's values from GET /api/sandbox; nothing here knows one
// platform from another.
import { ApiError, get, post } from "./api.js";
import { breakable, esc, num, platformMark, title, toast } from "./format.js";
import { loadPlatforms, platformOf, platforms } from "./platforms.js";

const SPEEDS = [
  [1, "Real time"],
  [60, "60× — an hour per minute"],
  [600, "600× — a working day in under a minute"],
  [3600, "3600× — an hour per second"],
  [86400, "86400× — a day per second"],
  [604800, "604800× — a week per second"],
];
const DEBOUNCE_MS = 450;

export function mountNewJob(root, params) {
  let options = null;
  let templates = [];
  let offered = platforms();
  let sandbox = { sandbox: false, tenants: {}, form: {} };
  let type = null;
  let tokenSeq = 0;
  const spec = () => platformOf(type);
  const fieldsIn = (section) => spec().fields.filter((f) => (f.section || "tenant") === section);
  const fieldNamed = (name) => spec().fields.find((f) => f.name === name);
  let stopped = false;
  const timers = new Map();

  root.innerHTML = `<div class="page-head"><div><h1>New job</h1><div class="sub">Pick a tenant, describe the company, choose its rhythm. Tokens are checked as you type.</div></div></div>
    <div id="form-host"><div class="panel"><div class="panel-body">Loading…</div></div></div>`;
  const $ = (sel) => root.querySelector(sel);

  function optionList(items, selected) {
    return items.map(([value, label]) => `<option value="${esc(value)}"${String(value) === String(selected) ? " selected" : ""}>${esc(label)}</option>`).join("");
  }

  // One platform field, as its description says: a text/url/number input, a segmented choice, a
  // select filled once a token is valid, or a hidden value (set by the sandbox button).
  function fieldHtml(f) {
    const check = f.lookup ? `<span class="check" id="${esc(f.lookup.id)}"></span>` : "";
    const help = f.help ? `<span class="help">${esc(f.help)}</span>` : "";
    const wide = f.wide ? " wide" : "";
    if (f.type === "hidden") return `<input type="hidden" name="${esc(f.name)}">`;
    if (f.type === "choice") {
      return `<div class="field${wide}"><span class="label">${esc(f.label)}</span>
        <div class="segmented">${(f.choices || []).map((c) => `<label><input type="radio" name="${esc(f.name)}" value="${esc(c.value)}"${c.value === f.default ? " checked" : ""}>${esc(c.label)}</label>`).join("")}</div>
        <span class="help" data-hint-for="${esc(f.name)}">${esc(f.help || "")}</span></div>`;
    }
    if (f.type === "select") {
      return `<label class="field${wide}"><span class="label">${esc(f.label)}</span><select name="${esc(f.name)}"><option value="">${esc(f.empty || "")}</option></select>${check}${help}</label>`;
    }
    const number = f.type === "number";
    const attrs = [
      number && f.minimum != null ? `min="${esc(f.minimum)}"` : "", number && f.maximum != null ? `max="${esc(f.maximum)}"` : "",
      f.placeholder ? `placeholder="${esc(f.placeholder)}"` : "", number ? "" : `spellcheck="false"`,
    ].filter(Boolean).join(" ");
    return `<label class="field${wide}"><span class="label">${esc(f.label)}</span><input type="${number ? "number" : f.type === "url" ? "url" : "text"}" name="${esc(f.name)}" ${attrs}>${check}${help}</label>`;
  }

  function render() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    const p = spec();
    const sandboxed = sandbox.sandbox ? offered.filter((x) => (sandbox.form || {})[x.connection_type]) : [];
    const afterTokens = fieldsIn("tokens");
    $("#form-host").innerHTML = `
      ${sandboxed.length ? `<div class="callout" id="sandbox-callout"><div><p><strong>Sandbox mode.</strong> This server runs an emulated ${esc(sandboxed.map((x) => x.tenant_noun).join(" and "))}, so you can try everything without a real tenant.</p></div>
        <button type="button" class="btn btn-primary" data-fill-sandbox>Use the sandbox tenant</button></div>` : ""}
      <div class="grid grid-main">
      <form class="panel job-form" novalidate autocomplete="off">
        <div class="form-section">
          <h3>Platform</h3>
          <div class="choices">
            ${offered.map((x) => `<label class="choice"><input type="radio" name="connection_type" value="${esc(x.connection_type)}"${x.connection_type === type ? " checked" : ""}>${platformMark(x.connection_type)}<span><strong>${esc(x.label)}</strong><small>${esc(x.description)}</small></span></label>`).join("")}
          </div>
        </div>
        <div class="form-section">
          <h3>Tenant and tokens</h3>
          <div class="fields">${fieldsIn("tenant").map(fieldHtml).join("")}</div>
          <div class="field wide" style="margin-top:14px"><span class="label">${esc(p.tokens.label)}</span>
            <span class="help">${esc(p.tokens.help)}</span>
            <div id="tokens" style="margin-top:6px"></div>
            <div><button type="button" class="btn btn-sm" data-add-token style="margin-top:8px">Add another token</button></div>
          </div>
          ${afterTokens.length ? `<div class="fields" style="margin-top:14px">${afterTokens.map(fieldHtml).join("")}</div>` : ""}
        </div>
        <div class="form-section">
          <h3>Company</h3>
          <div class="fields">
            <label class="field"><span class="label">Start from a template</span><select name="template"><option value="">No template</option>${templates.filter((t) => t.connection_type === type).map((t) => `<option value="${esc(t.name)}" title="${esc(t.description)}">${esc(t.title)}</option>`).join("")}</select><span class="help" id="template-help">Presets fill the fields below; you can still change them.</span></label>
            <label class="field"><span class="label">Industry</span><select name="industry">${optionList(options.industries.map((i) => [i.key, i.label]), "technology")}</select></label>
            ${fieldsIn("company").map(fieldHtml).join("")}
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
    const p = spec();
    const tenant = describeTenant(f, p);
    const size = describeSize(f, p, radio);
    const duration = f.duration_days.selectedOptions[0].textContent;
    const cleanup = f.cleanup_after.selectedOptions[0].textContent;
    $("#summary").innerHTML = `<dl class="kv">
        <dt>Platform</dt><dd>${esc(p.label)}</dd>
        <dt>Tenant</dt><dd class="small" data-summary="tenant">${breakable(tenant)}</dd>
        <dt>Tokens</dt><dd>${withToken ? `<span class="${valid === withToken ? "check ok" : "check"}" style="justify-content:flex-end">${num(valid)} of ${num(withToken)} valid</span>` : "none yet"}</dd>
        <dt>Company</dt><dd>${esc(industry ? industry.label : "")}</dd>
        <dt>Size</dt><dd class="small">${esc(size)}</dd>
        <dt>Busiest hour</dt><dd>${level ? `${num(level.events_per_hour * scale)} events${scale > 1 ? " per real hour" : ""}` : ""}</dd>
        <dt>Runs</dt><dd class="small">${esc(duration)} · cleanup ${esc(cleanup.toLowerCase())}</dd>
      </dl>
      <ol class="next small">
        <li>The job builds the company: ${esc(p.builds)}. Its page shows progress and an ETA.</li>
        <li>Then it keeps the tenant busy, in working hours of its time zone, within the rate limits.</li>
        <li><strong>Clean up</strong> removes exactly what the job created, and nothing else.</li>
      </ol>`;
  }

  // The summary's "Tenant": the platform's tenant field (a select shows its chosen option).
  function describeTenant(f, p) {
    const input = f[p.tenant_field];
    if (!input) return p.tenant_missing || "";
    if (input.tagName === "SELECT") {
      const chosen = input.selectedOptions[0];
      return chosen && chosen.value ? chosen.textContent : p.tenant_missing;
    }
    return input.value.trim() || p.tenant_missing;
  }

  // The summary's "Size": the first of the platform's size fields with a value.
  function describeSize(f, p, radio) {
    for (const name of p.size_fields || []) {
      const field = fieldNamed(name);
      if (!field) continue;
      if (field.type === "choice") {
        const value = radio(name);
        if (!value) continue;
        const choice = (field.choices || []).find((c) => c.value === value);
        return choice ? `${choice.label}${choice.hint ? `, ${choice.hint}` : ""}` : title(value);
      }
      if (f[name] && f[name].value) return `${num(Number(f[name].value))} ${field.unit || ""}`.trim();
    }
    return p.size_default || "";
  }

  const form = () => $("form.job-form");

  function applyType() {
    const provider = form().querySelector("[name=content_provider]:checked").value;
    root.querySelectorAll("[data-for-content]").forEach((el) => { el.hidden = el.dataset.forContent !== provider; });
  }

  function updateHints() {
    const f = form();
    root.querySelectorAll("[data-hint-for]").forEach((el) => {
      const field = fieldNamed(el.dataset.hintFor);
      const picked = f.querySelector(`[name=${CSS.escape(el.dataset.hintFor)}]:checked`);
      const choice = field && picked ? (field.choices || []).find((c) => c.value === picked.value) : null;
      el.textContent = (choice && choice.hint) || (field && field.help) || "";
    });
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
    const tokens = spec().tokens;
    $("#tokens").insertAdjacentHTML("beforeend", `<div class="token-row-wrap" data-token="${id}">
      <div class="token-row"><input type="text" name="token_name" placeholder="${esc(tokens.name_prefix)}${index}" value="${esc(name)}" aria-label="Token name">
      <input type="password" name="token_value" placeholder="${esc(tokens.placeholder)}" value="${esc(token)}" aria-label="Token" spellcheck="false">
      <button type="button" class="btn btn-sm" data-remove-token title="Remove this token">Remove</button></div>
      <div class="check" data-token-check></div></div>`);
    if (token) scheduleCheck(id);
  }

  // Any row can go; the form always keeps one (empty) row to type into.
  function removeToken(row) {
    clearTimeout(timers.get(row.dataset.token));
    row.remove();
    if (!tokenRows().length) addToken();
    renderSummary();
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

  // The platform's fields that go along with each token check (an org URL, a sandbox base URL).
  function withToken() {
    const f = form();
    const sent = {};
    for (const field of spec().fields.filter((x) => x.with_token)) {
      const value = f[field.name] ? String(f[field.name].value).trim() : "";
      if (value) sent[field.name] = value;
    }
    return sent;
  }

  async function checkToken(id) {
    const row = root.querySelector(`[data-token="${id}"]`);
    if (!row || stopped) return;
    const check = row.querySelector("[data-token-check]");
    const token = row.querySelector("[name=token_value]").value.trim();
    const sent = withToken();
    const needed = spec().fields.find((x) => x.with_token === "required" && !sent[x.name]);
    row.dataset.valid = "";
    if (!token) { check.className = "check"; check.textContent = ""; return; }
    if (needed) { check.className = "check"; check.textContent = `Enter the ${needed.noun || needed.label} to check this token.`; return; }
    check.className = "check";
    check.textContent = "Checking…";
    try {
      const data = await post("/api/validate_token", { connection_type: type, token, ...sent });
      if (token !== row.querySelector("[name=token_value]").value.trim()) return; // typed on since
      const who = data.user || {};
      check.className = "check ok";
      check.textContent = `✓ Valid — ${who.name || "user"}${who.email ? ` <${who.email}>` : ""}`;
      row.dataset.valid = "1";
      renderSummary();
      spec().fields.filter((x) => x.lookup).forEach((field) => lookup(field, token, sent));
    } catch (err) {
      check.className = "check bad";
      check.textContent = `✗ ${err.message}`;
      renderSummary();
    }
  }

  const dig = (obj, path) => String(path || "").split(".").filter(Boolean).reduce((o, k) => (o == null ? o : o[k]), obj);

  // Once a token works: show that the tenant answers (probe), or fill a select from what the token
  // can see (options), as the field's description says.
  async function lookup(field, token, sent) {
    const how = field.lookup;
    const el = $(`#${CSS.escape(how.id)}`);
    try {
      const data = await post(how.path, { token, ...sent });
      if (how.kind === "options") {
        const select = form()[field.name];
        const current = select.value || select.dataset.want || "";
        const list = dig(data, how.items) || [];
        select.innerHTML = list.length ? list.map((item) => `<option value="${esc(dig(item, how.value))}"${String(dig(item, how.value)) === current ? " selected" : ""}>${esc(dig(item, how.label))}</option>`).join("") : `<option value="">${esc(how.none || "")}</option>`;
        el.className = "check ok";
        el.textContent = list.length ? `${num(list.length)} ${how.noun}${list.length === 1 ? "" : "s"} available` : "";
        renderSummary();
      } else {
        const name = dig(data, how.name) || sent[field.name];
        const as = dig(data, how.as);
        el.className = "check ok";
        el.textContent = `✓ ${name} is reachable${as ? ` as ${as}` : ""}`;
      }
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
    for (const field of fieldsIn("company")) {
      if (field.type === "choice") { if (c[field.name]) setRadio(field.name, c[field.name]); }
      else if (f[field.name]) f[field.name].value = c[field.name] ?? "";
    }
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
    const p = spec();
    const fill = (sandbox.form || {})[type];
    if (!fill) { toast(`The sandbox has no ${p.label} tenant`, true); return; }
    const f = form();
    $("#tokens").innerHTML = "";
    for (const [name, value] of Object.entries(fill.fields || {})) if (f[name]) f[name].value = value ?? "";
    for (const [name, items] of Object.entries(fill.options || {})) {
      if (!f[name] || !items.length) continue;
      f[name].dataset.want = items[0].value;
      f[name].innerHTML = items.map((o) => `<option value="${esc(o.value)}">${esc(o.label)}</option>`).join("");
    }
    (fill.user_tokens || []).forEach((t) => addToken(t.name, t.token));
    if (!tokenRows().length) addToken();
    // A demo should be watchable whatever the hour: 60× speed, activity around the clock.
    f.time_scale.value = "3600";
    f.working_hours.value = "always";
    if (!f.job_name.value) f.job_name.value = `Sandbox ${p.label} demo`;
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
    const fields = spec().fields;
    for (const field of fields) {
      body[field.name] = field.type === "choice" ? radio(field.name) : field.type === "number" ? numberOf(field.name) : value(field.name);
    }
    const perToken = fields.filter((field) => field.per_token).map((field) => [field.name, body[field.name]]);
    body.user_tokens = tokens.map((t) => ({ name: t.name, token: t.token, ...Object.fromEntries(perToken) }));
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
      const details = err instanceof ApiError ? err.details || [] : [];
      if (details.length > 1 || (details.length === 1 && details[0] !== err.message)) {
        // Every problem at once, each saying what would satisfy it.
        error.innerHTML = `<ul style="margin:0;padding-left:18px">${details.map((d) => `<li>${esc(d)}</li>`).join("")}</ul>`;
      } else {
        error.textContent = err instanceof ApiError ? err.message : String(err);
      }
      error.hidden = false;
      button.disabled = false;
      button.textContent = "Start job";
    }
  }

  root.addEventListener("input", (event) => {
    const t = event.target;
    queueMicrotask(renderSummary);
    if (t.name === "token_value") scheduleCheck(t.closest("[data-token]").dataset.token);
    if (spec().fields.some((field) => field.with_token && field.name === t.name)) {
      tokenRows().forEach((row) => scheduleCheck(row.id, DEBOUNCE_MS * 1.5));
    }
  });
  root.addEventListener("change", (event) => {
    const t = event.target;
    queueMicrotask(renderSummary);
    if (t.name === "connection_type") switchType(t.value);
    else if (t.name === "template") applyTemplate(t.value);
    else if (t.name === "content_provider") applyType();
    if (t.type === "radio" || t.name === "time_scale") updateHints();
  });
  root.addEventListener("click", (event) => {
    if (event.target.closest("[data-add-token]")) addToken();
    else if (event.target.closest("[data-remove-token]")) removeToken(event.target.closest("[data-token]"));
    else if (event.target.closest("[data-fill-sandbox]")) fillSandbox();
  });
  root.addEventListener("submit", submit);

  Promise.all([get("/api/options"), get("/api/templates"), offered.length ? offered : loadPlatforms(),
    get("/api/sandbox").catch(() => sandbox)])
    .then(([opts, tpl, known, sb]) => {
      if (stopped) return;
      options = opts;
      templates = tpl.templates || [];
      offered = known;
      sandbox = sb;
      if (!offered.length) throw new Error("This server offers no platforms");
      const asked = offered.find((x) => x.connection_type === params.get("type"));
      type = (asked || offered[0]).connection_type; // identity platforms come first
      const wanted = templates.find((t) => t.name === params.get("template") && offered.some((x) => x.connection_type === t.connection_type));
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
