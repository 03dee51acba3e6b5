// The new-job form: where (tenant and tokens, checked as they are typed), what company, what rhythm.
// Each platform's part of the form (its fields, tokens, checks) is drawn from its description in
// GET /api/platforms, and a sandbox tenant's values from GET /api/sandbox; nothing here knows one
// platform from another.
//
// One platform makes the seed's body (connection_type, its fields and user_tokens at the top). Several
// play one company: each gets its own section (tenant, tokens, its own sandbox button), the company's
// fields are asked once, and the body carries the shared fields at the top and one entry per platform
// in ``platforms`` (identity platforms first, as GET /api/platforms lists them).
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
// The values a change of platforms keeps (each platform's own part is kept whole, see ``parts``).
const KEPT = ["industry", "working_hours", "timezone", "time_scale", "duration_days", "cleanup_after", "job_name",
  "max_api_capacity", "seed", "anthropic_api_key"];
const KEPT_RADIOS = ["activity_level", "content_provider"];

// A key or a secret is typed into a field like any other, but shown like a token: a key file (JSON or
// PEM) in a multi-line monospace box, masked until asked; a secret in a password box. A platform's
// description may say so (``secret``, ``multiline``); else the field's name does.
const isKeyField = (f) => f.multiline === true || f.type === "textarea" || (f.multiline !== false && /(^|_)key$/.test(f.name));
const isSecretField = (f) => f.secret === true || (f.secret !== false && (isKeyField(f) || /(^|_)(secret|password)$/.test(f.name)));
// Fields a person types a credential into, below the tokens heading: visible text, not a select.
const isCredentialField = (f) => (f.section || "tenant") === "tokens" && !["hidden", "select", "choice"].includes(f.type);

// Whether a platform acts through user tokens: ``"required"`` (one row to type into, at least one to
// start), ``"optional"`` (rows only when added) or ``"none"``. A description may say so
// (``tokens.required`` / ``tokens.optional`` / ``tokens.none``); else a platform with credentials of
// its own (an app's client ID, a service account key) takes tokens only as an extra, and none at all
// when the token form is that credential itself (its label names the field).
function tokenUse(p) {
  const t = p.tokens || {};
  if (t.none === true) return "none";
  if (t.required === true) return "required";
  if (t.optional === true || t.required === false) return "optional";
  const credentials = (p.fields || []).filter(isCredentialField);
  if (!credentials.length) return "required";
  const label = String(t.label || "").toLowerCase();
  if (label && credentials.some((f) => String(f.label || "").toLowerCase().startsWith(label))) return "none";
  return "optional";
}

export function mountNewJob(root, params) {
  let options = null;
  let templates = [];
  let offered = platforms();
  let sandbox = { sandbox: false, tenants: {}, form: {} };
  let selected = []; // connection types, in the order offered (identity platforms first)
  let several = false; // the picker takes several platforms
  const parts = new Map(); // type -> its part of the form (fields, tokens, checks), kept across re-renders
  let autoName = ""; // the job name the sandbox button wrote, replaced when it is pressed again
  let tokenSeq = 0;
  const multi = () => selected.length > 1;
  const type = () => selected[0];
  const spec = () => platformOf(type());
  // The company's fields of every platform picked, each once (Okta's and Google's org_size alike).
  const companyFields = () => {
    const seen = new Map();
    for (const t of selected) {
      for (const f of platformOf(t).fields) if ((f.section || "tenant") === "company" && !seen.has(f.name)) seen.set(f.name, f);
    }
    return [...seen.values()];
  };
  const fieldNamed = (name) => companyFields().find((f) => f.name === name)
    || selected.map((t) => platformOf(t).fields.find((f) => f.name === name)).find(Boolean);
  let stopped = false;
  const timers = new Map();

  root.innerHTML = `<div class="page-head"><div><h1>New job</h1><div class="sub">Pick a tenant, describe the company, choose its rhythm. Tokens are checked as you type.</div></div></div>
    <div id="form-host"><div class="panel"><div class="panel-body">Loading…</div></div></div>`;
  const $ = (sel) => root.querySelector(sel);
  const form = () => $("form.job-form");
  const partOf = (t) => parts.get(t);
  const typeOfEl = (el) => { const part = el && el.closest("[data-part]"); return part ? part.dataset.part : null; };
  const control = (scope, name) => scope.querySelector(`[name="${CSS.escape(name)}"]`);
  const sandboxFill = (t) => (sandbox.sandbox ? (sandbox.form || {})[t] : null);

  function optionList(items, selectedValue) {
    return items.map(([value, label]) => `<option value="${esc(value)}"${String(value) === String(selectedValue) ? " selected" : ""}>${esc(label)}</option>`).join("");
  }

  // One platform field, as its description says: a text/url/number input, a segmented choice, a
  // select filled once a token is valid, a key box, or a hidden value (set by the sandbox button).
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
    if (isKeyField(f)) {
      return `<div class="field wide" data-key-field><div class="field-head"><label class="label" for="${esc(`key-${f.name}-${++tokenSeq}`)}">${esc(f.label)}</label>
          <button type="button" class="btn btn-sm" data-reveal aria-pressed="false" title="Show or hide the key">Show</button></div>
        <textarea id="${esc(`key-${f.name}-${tokenSeq}`)}" name="${esc(f.name)}" class="key-box${isSecretField(f) ? " secret" : ""}" rows="5" spellcheck="false" autocomplete="off" autocapitalize="off" data-secret${f.placeholder ? ` placeholder="${esc(f.placeholder)}"` : ""}></textarea>
        <span class="check" data-key-check></span>${help}</div>`;
    }
    const number = f.type === "number";
    const secret = isSecretField(f);
    const attrs = [
      number && f.minimum != null ? `min="${esc(f.minimum)}"` : "", number && f.maximum != null ? `max="${esc(f.maximum)}"` : "",
      f.placeholder ? `placeholder="${esc(f.placeholder)}"` : "", number ? "" : `spellcheck="false"`, secret ? `autocomplete="off" data-secret` : "",
    ].filter(Boolean).join(" ");
    const kind = secret ? "password" : number ? "number" : f.type === "url" ? "url" : "text";
    return `<label class="field${wide}"><span class="label">${esc(f.label)}</span><input type="${kind}" name="${esc(f.name)}" ${attrs}>${check}${help}</label>`;
  }

  // A platform's part of the form: its tenant fields, its tokens, and what a token unlocks. Built once
  // per platform and kept, so a change of the platforms picked keeps what was typed and checked.
  function buildPart(t) {
    const p = platformOf(t);
    const use = tokenUse(p);
    const inTenant = p.fields.filter((f) => (f.section || "tenant") === "tenant");
    const inTokens = p.fields.filter((f) => f.section === "tokens");
    const credentials = use === "required" ? [] : inTokens.filter(isCredentialField);
    const afterTokens = inTokens.filter((f) => !credentials.includes(f));
    const el = document.createElement("div");
    el.className = "platform-part";
    el.dataset.part = t;
    el.dataset.tokenUse = use;
    // The platform's own credentials: under the token form's heading when they are what it asks for,
    // else above the (optional) user tokens.
    const own = credentials.length ? `<div class="fields" style="margin-top:${use === "none" ? 6 : 14}px">${credentials.map(fieldHtml).join("")}</div>` : "";
    el.innerHTML = `<div class="fields">${inTenant.map(fieldHtml).join("")}</div>
      ${use === "optional" ? own : ""}
      <div class="field wide" style="margin-top:14px"><span class="label">${esc(p.tokens.label)}</span>
        <span class="help">${esc(p.tokens.help)}</span>
        ${use === "none" ? own : ""}
        <div data-tokens style="margin-top:6px"${use === "none" ? " hidden" : ""}></div>
        <div${use === "none" ? " hidden" : ""}><button type="button" class="btn btn-sm" data-add-token style="margin-top:8px">${use === "required" ? "Add another token" : "Add a user token"}</button></div>
      </div>
      ${afterTokens.length ? `<div class="fields" style="margin-top:14px">${afterTokens.map(fieldHtml).join("")}</div>` : ""}`;
    parts.set(t, el);
    if (use === "required") addToken(t);
    return el;
  }

  function platformSection(t) {
    if (!multi()) return `<div class="form-section" data-platform="${esc(t)}"><h3>Tenant and tokens</h3><div data-part-slot="${esc(t)}"></div></div>`;
    const p = platformOf(t);
    const fill = sandboxFill(t) ? `<button type="button" class="btn btn-sm" data-fill-sandbox="${esc(t)}" title="Fill this section with the sandbox ${esc(p.tenant_noun)}">Use the sandbox tenant</button>` : "";
    return `<section class="form-section platform-section" data-platform="${esc(t)}" aria-label="${esc(p.label)}">
        <div class="platform-head">${platformMark(t)}<h3>${esc(p.label)}</h3><span class="faint small">${esc(p.role === "identity" ? "creates the company's people" : "its people work here")}</span>${fill}</div>
        <div data-part-slot="${esc(t)}"></div></section>`;
  }

  function render() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    const sandboxed = sandbox.sandbox ? offered.filter((x) => (sandbox.form || {})[x.connection_type]) : [];
    const picked = selected.map(platformOf);
    const fillAll = multi() && picked.some((p) => sandboxFill(p.connection_type));
    const company = companyFields();
    const sameTemplates = templates.filter((tpl) => samePlatforms(tpl));
    $("#form-host").innerHTML = `
      ${sandboxed.length ? `<div class="callout" id="sandbox-callout"><div><p><strong>Sandbox mode.</strong> This server runs an emulated ${esc(sandboxed.map((x) => x.tenant_noun).join(" and "))}, so you can try everything without a real tenant.</p></div>
        <button type="button" class="btn btn-primary" data-fill-sandbox${fillAll ? ` title="Fill every platform's section with its sandbox tenant">Use the sandbox tenants` : ">Use the sandbox tenant"}</button></div>` : ""}
      <div class="grid grid-main">
      <form class="panel job-form" novalidate autocomplete="off">
        <div class="form-section">
          <h3>Platform</h3>
          <div class="choices">
            ${offered.map((x) => `<label class="choice"><input type="${several ? "checkbox" : "radio"}" name="connection_type" value="${esc(x.connection_type)}"${selected.includes(x.connection_type) ? " checked" : ""}>${platformMark(x.connection_type)}<span><strong>${esc(x.label)}</strong><small>${esc(x.description)}</small></span></label>`).join("")}
          </div>
          ${offered.length > 1 ? `<label class="several"><input type="checkbox" name="several"${several ? " checked" : ""}> <span>One company on several platforms</span>
            <span class="help">${several ? "Pick each platform the company lives on: the identity platforms create its people, the others act as the people whose tokens you give." : "Its people in an identity platform, their work in another: the same names and addresses everywhere."}</span></label>` : ""}
        </div>
        ${selected.map(platformSection).join("")}
        <div class="form-section">
          <h3>Company</h3>
          <div class="fields" data-company>
            <label class="field"><span class="label">Start from a template</span><select name="template"><option value="">No template</option>${sameTemplates.map((tpl) => `<option value="${esc(tpl.name)}" title="${esc(tpl.description)}">${esc(tpl.title)}</option>`).join("")}</select><span class="help" id="template-help">Presets fill the fields below; you can still change them.</span></label>
            <label class="field"><span class="label">Industry</span><select name="industry">${optionList(options.industries.map((i) => [i.key, i.label]), "technology")}</select></label>
            ${company.map(fieldHtml).join("")}
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
              <label class="field"><span class="label">Job name</span><input type="text" name="job_name" maxlength="200" placeholder="from industry and platform${multi() ? "s" : ""}"></label>
              <label class="field"><span class="label">Max API capacity (%)</span><input type="number" name="max_api_capacity" min="1" max="100" value="100"><span class="help">Share of ${multi() ? "each" : "the"} tenant's rate limit this job may use.</span></label>
              <label class="field"><span class="label">Seed</span><input type="number" name="seed" min="0" placeholder="random"><span class="help">The same seed makes the same company.</span></label>
            </div>
          </details>
        </div>
        <div class="form-error" id="form-error" hidden></div>
        <div class="form-foot"><button type="submit" class="btn btn-primary btn-lg" id="start">Start job</button><span class="faint small">Tokens are checked again before the job starts.</span></div>
      </form>
      <aside class="panel summary"><div class="panel-head"><h2>Summary</h2></div><div class="panel-body" id="summary"></div></aside>
      </div>`;
    // Each platform's part, as it was left (or new), into its slot; one token list is the page's #tokens.
    for (const t of selected) {
      const part = partOf(t) || buildPart(t);
      root.querySelector(`[data-part-slot="${CSS.escape(t)}"]`).replaceWith(part);
      const list = part.querySelector("[data-tokens]");
      if (multi()) list.removeAttribute("id");
      else list.id = "tokens";
    }
    applyType();
    updateHints();
  }

  // A template fits when it names exactly the platforms picked.
  function samePlatforms(tpl) {
    const its = Array.isArray(tpl.platforms) && tpl.platforms.length ? tpl.platforms : [tpl.connection_type];
    return its.length === selected.length && its.every((t) => selected.includes(t));
  }

  function renderSummary() {
    const f = form();
    if (!f || !options) return;
    const radio = (name) => (f.querySelector(`[name=${name}]:checked`) || {}).value;
    const industry = options.industries.find((i) => i.key === f.industry.value);
    const level = options.activity_levels.find((l) => l.key === radio("activity_level"));
    const scale = Number(f.time_scale.value) || 1;
    const size = describeSize(f, radio);
    const duration = f.duration_days.selectedOptions[0].textContent;
    const cleanup = f.cleanup_after.selectedOptions[0].textContent;
    const picked = selected.map(platformOf);
    let where;
    if (!multi()) {
      const p = spec();
      where = `<dt>Platform</dt><dd>${esc(p.label)}</dd>
        <dt>Tenant</dt><dd class="small" data-summary="tenant">${breakable(describeTenant(p))}</dd>
        <dt>Tokens</dt><dd>${describeTokens(p.connection_type)}</dd>`;
    } else {
      where = `<dt>Platforms</dt><dd data-summary="platforms">${esc(picked.map((p) => p.label).join(" + "))}</dd>
        ${picked.map((p) => `<dt>${platformMark(p.connection_type)} ${esc(p.label)}</dt><dd class="small" data-summary="tenant-${esc(p.connection_type)}">${breakable(describeTenant(p))}<br>${describeTokens(p.connection_type)}</dd>`).join("")}`;
    }
    const builds = multi() ? picked.map((p) => `${p.label}: ${p.builds}`).join("; ") : spec().builds;
    $("#summary").innerHTML = `<dl class="kv">
        ${where}
        <dt>Company</dt><dd>${esc(industry ? industry.label : "")}</dd>
        <dt>Size</dt><dd class="small">${esc(size)}</dd>
        <dt>Busiest hour</dt><dd>${level ? `${num(level.events_per_hour * scale)} events${scale > 1 ? " per real hour" : ""}` : ""}</dd>
        <dt>Runs</dt><dd class="small">${esc(duration)} · cleanup ${esc(cleanup.toLowerCase())}</dd>
      </dl>
      <ol class="next small">
        <li>The job builds the company: ${esc(builds)}. Its page shows progress and an ETA.</li>
        ${multi() ? "<li>The same people, with the same names and addresses, on every platform; a hire or departure shows everywhere.</li>" : ""}
        <li>Then it keeps the ${multi() ? "tenants" : "tenant"} busy, in working hours of its time zone, within the rate limits.</li>
        <li><strong>Clean up</strong> removes exactly what the job created, and nothing else.</li>
      </ol>`;
  }

  // The summary's "Tenant": the platform's tenant field (a select shows its chosen option).
  function describeTenant(p) {
    const part = partOf(p.connection_type);
    const input = part ? control(part, p.tenant_field) : null;
    if (!input) return p.tenant_missing || "";
    if (input.tagName === "SELECT") {
      const chosen = input.selectedOptions[0];
      return chosen && chosen.value ? chosen.textContent : p.tenant_missing;
    }
    return input.value.trim() || p.tenant_missing;
  }

  // The summary's "Tokens": how many are valid; a platform's own credentials only as given or not
  // (never their value).
  function describeTokens(t) {
    const rows = tokenRows(t);
    const valid = rows.filter((r) => r.row.dataset.valid === "1").length;
    const withToken = rows.filter((r) => r.token).length;
    if (withToken) return `<span class="${valid === withToken ? "check ok" : "check"}" style="justify-content:flex-end">${num(valid)} of ${num(withToken)} valid</span>`;
    const part = partOf(t);
    const given = part ? platformOf(t).fields.filter((f) => isCredentialField(f) && isSecretField(f) && control(part, f.name) && control(part, f.name).value.trim()) : [];
    if (given.length) return esc(`${given.map((f) => (f.noun || f.label).replace(/\s*\(.*\)$/, "")).join(", ")} given`);
    return tokenUse(platformOf(t)) === "required" ? "none yet" : "none";
  }

  // The summary's "Size": the first of the platforms' size fields with a value.
  function describeSize(f, radio) {
    const names = [...new Set(selected.flatMap((t) => platformOf(t).size_fields || []))];
    for (const name of names) {
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
    return selected.map((t) => platformOf(t).size_default).find(Boolean) || "";
  }

  function applyType() {
    const provider = form().querySelector("[name=content_provider]:checked").value;
    root.querySelectorAll("[data-for-content]").forEach((el) => { el.hidden = el.dataset.forContent !== provider; });
  }

  function updateHints() {
    const f = form();
    root.querySelectorAll("[data-hint-for]").forEach((el) => {
      const field = fieldNamed(el.dataset.hintFor);
      const scope = el.closest("[data-part]") || f;
      const picked = scope.querySelector(`[name=${CSS.escape(el.dataset.hintFor)}]:checked`);
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
  function addToken(t, name = "", token = "") {
    const id = ++tokenSeq;
    const list = partOf(t).querySelector("[data-tokens]");
    const index = list.children.length + 1;
    const tokens = platformOf(t).tokens;
    list.insertAdjacentHTML("beforeend", `<div class="token-row-wrap" data-token="${id}">
      <div class="token-row"><input type="text" name="token_name" placeholder="${esc(tokens.name_prefix)}${index}" value="${esc(name)}" aria-label="Token name">
      <input type="password" name="token_value" placeholder="${esc(tokens.placeholder)}" value="${esc(token)}" aria-label="Token" spellcheck="false">
      <button type="button" class="btn btn-sm" data-remove-token title="Remove this token">Remove</button></div>
      <div class="check" data-token-check></div></div>`);
    if (token) scheduleCheck(id);
  }

  // Any row can go; a platform that needs tokens always keeps one (empty) row to type into.
  function removeToken(row) {
    const t = typeOfEl(row);
    clearTimeout(timers.get(row.dataset.token));
    row.remove();
    if (!tokenRows(t).length && tokenUse(platformOf(t)) === "required") addToken(t);
    renderSummary();
  }

  function tokenRows(t) {
    const part = partOf(t);
    if (!part) return [];
    return [...part.querySelectorAll("[data-token]")].map((row) => ({
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
  function withToken(t) {
    const part = partOf(t);
    const sent = {};
    for (const field of platformOf(t).fields.filter((x) => x.with_token)) {
      const el = control(part, field.name) || control(form(), field.name);
      const value = el ? String(el.value).trim() : "";
      if (value) sent[field.name] = value;
    }
    return sent;
  }

  async function checkToken(id) {
    const row = root.querySelector(`[data-token="${id}"]`);
    if (!row || stopped) return;
    const t = typeOfEl(row);
    const check = row.querySelector("[data-token-check]");
    const token = row.querySelector("[name=token_value]").value.trim();
    const sent = withToken(t);
    const needed = platformOf(t).fields.find((x) => x.with_token === "required" && !sent[x.name]);
    row.dataset.valid = "";
    if (!token) { check.className = "check"; check.textContent = ""; return; }
    if (needed) { check.className = "check"; check.textContent = `Enter the ${needed.noun || needed.label} to check this token.`; return; }
    check.className = "check";
    check.textContent = "Checking…";
    try {
      const data = await post("/api/validate_token", { connection_type: t, token, ...sent });
      if (token !== row.querySelector("[name=token_value]").value.trim()) return; // typed on since
      const who = data.user || {};
      check.className = "check ok";
      check.textContent = `✓ Valid — ${who.name || "user"}${who.email ? ` <${who.email}>` : ""}`;
      row.dataset.valid = "1";
      renderSummary();
      platformOf(t).fields.filter((x) => x.lookup).forEach((field) => lookup(t, field, token, sent));
    } catch (err) {
      check.className = "check bad";
      check.textContent = `✗ ${err.message}`;
      renderSummary();
    }
  }

  const dig = (obj, path) => String(path || "").split(".").filter(Boolean).reduce((o, k) => (o == null ? o : o[k]), obj);

  // Once a token works: show that the tenant answers (probe), or fill a select from what the token
  // can see (options), as the field's description says.
  async function lookup(t, field, token, sent) {
    const how = field.lookup;
    const part = partOf(t);
    const el = part.querySelector(`[id="${CSS.escape(how.id)}"]`);
    if (!el) return;
    try {
      const data = await post(how.path, { token, ...sent });
      if (how.kind === "options") {
        const select = control(part, field.name);
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

  // A key box says whose key it holds (a JSON key's account, never the key), or that it is no JSON.
  function checkKey(box) {
    const check = box.closest("[data-key-field]").querySelector("[data-key-check]");
    const text = box.value.trim();
    check.className = "check";
    check.textContent = "";
    if (!text.startsWith("{")) return;
    try {
      const key = JSON.parse(text);
      const who = key && (key.client_email || key.client_id);
      check.className = "check ok";
      check.textContent = who ? `✓ A key of ${who}` : "✓ A JSON key";
    } catch (err) {
      check.className = "check bad";
      check.textContent = "✗ Not valid JSON: paste the whole key file";
    }
  }

  // -- templates and the sandbox -----------------------------------------------------------------
  function setRadio(name, value, scope = form()) {
    const input = scope.querySelector(`[name=${name}][value="${CSS.escape(String(value))}"]`);
    if (input) input.checked = true;
  }

  function applyTemplate(name) {
    const template = templates.find((tpl) => tpl.name === name);
    $("#template-help").textContent = template ? template.description : "Presets fill the fields below; you can still change them.";
    if (!template) return;
    const f = form();
    const c = template.config;
    if (c.industry) f.industry.value = c.industry;
    for (const field of companyFields()) {
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

  // A new set of platforms: the form drawn again, each platform's part as it was, the rest kept.
  function choose(next, force = false) {
    if (!force && next.length === selected.length && next.every((t, i) => t === selected[i])) return;
    const keep = new FormData(form());
    const company = companyFields().map((field) => [field, keep.get(field.name)]);
    selected = next;
    render();
    const g = form();
    for (const field of KEPT) if (keep.get(field) !== null && g[field]) g[field].value = keep.get(field);
    for (const name of KEPT_RADIOS) if (keep.get(name)) setRadio(name, keep.get(name));
    for (const [field, value] of company) {
      if (value === null || !g[field.name]) continue;
      if (field.type === "choice") setRadio(field.name, value);
      else g[field.name].value = value;
    }
    applyType();
    updateHints();
    renderSummary();
  }

  function inOrder(types) {
    return offered.map((x) => x.connection_type).filter((t) => types.includes(t));
  }

  function fillSandbox(t) {
    const p = platformOf(t);
    const fill = sandboxFill(t);
    if (!fill) { toast(`The sandbox has no ${p.label} tenant`, true); return false; }
    const part = partOf(t);
    part.querySelector("[data-tokens]").innerHTML = "";
    for (const [name, value] of Object.entries(fill.fields || {})) {
      const el = control(part, name);
      if (el) el.value = value ?? "";
      if (el && el.matches("[data-key-field] textarea")) checkKey(el);
    }
    for (const [name, items] of Object.entries(fill.options || {})) {
      const el = control(part, name);
      if (!el || !items.length) continue;
      el.dataset.want = items[0].value;
      el.innerHTML = items.map((o) => `<option value="${esc(o.value)}">${esc(o.label)}</option>`).join("");
    }
    (fill.user_tokens || []).forEach((tok) => addToken(t, tok.name, tok.token));
    if (!tokenRows(t).length && tokenUse(p) === "required") addToken(t);
    return true;
  }

  // A demo should be watchable whatever the hour: fast, activity around the clock.
  function sandboxPace(filled) {
    const f = form();
    f.time_scale.value = "3600";
    f.working_hours.value = "always";
    const name = `Sandbox ${selected.map((t) => platformOf(t).label).join(" + ")} demo`;
    if (!f.job_name.value || f.job_name.value === autoName) { f.job_name.value = name; autoName = name; }
    updateHints();
    renderSummary();
    const what = filled.length > 1 ? "the sandbox tenants" : multi() ? `the sandbox ${platformOf(filled[0]).tenant_noun}` : "the sandbox tenant";
    toast(`Filled in ${what} (60× speed, active around the clock). Pick a company and start.`);
  }

  function fillSandboxes(only) {
    const wanted = only ? [only] : selected.filter((t) => !multi() || sandboxFill(t));
    const filled = wanted.filter((t) => fillSandbox(t));
    if (filled.length) sandboxPace(filled);
  }

  // -- submit ------------------------------------------------------------------------------------
  // A platform's own fields and tokens (from its part), as the start request takes them.
  function platformEntry(t, company) {
    const part = partOf(t);
    const radio = (name) => (part.querySelector(`[name="${CSS.escape(name)}"]:checked`) || {}).value;
    const value = (name) => { const el = control(part, name); return el && el.value !== undefined ? String(el.value).trim() : ""; };
    const entry = {};
    for (const field of platformOf(t).fields) {
      if (company && (field.section || "tenant") === "company") {
        entry[field.name] = company[field.name];
        continue;
      }
      entry[field.name] = field.type === "choice" ? radio(field.name) : field.type === "number" ? (value(field.name) === "" ? undefined : Number(value(field.name))) : value(field.name);
    }
    const perToken = platformOf(t).fields.filter((field) => field.per_token).map((field) => [field.name, entry[field.name]]);
    const tokens = tokenRows(t).filter((row) => row.token);
    const userTokens = tokens.map((row) => ({ name: row.name, token: row.token, ...Object.fromEntries(perToken) }));
    return { entry, userTokens };
  }

  const present = (obj) => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== ""));

  function collect() {
    const f = form();
    const value = (name) => (f[name] && f[name].value !== undefined ? String(f[name].value).trim() : "");
    const radio = (name) => (f.querySelector(`[name=${name}]:checked`) || {}).value;
    const numberOf = (name) => (value(name) === "" ? undefined : Number(value(name)));
    const body = {
      connection_type: type(), industry: value("industry"), activity_level: radio("activity_level"),
      working_hours: value("working_hours"), timezone: value("timezone") || "UTC",
      time_scale: Number(value("time_scale")) || 1, content_provider: radio("content_provider"),
      max_api_capacity: numberOf("max_api_capacity"), seed: numberOf("seed"),
      duration_days: numberOf("duration_days"), cleanup_after: value("cleanup_after") || undefined,
      job_name: value("job_name") || undefined, template: value("template") || undefined,
    };
    if (body.content_provider === "anthropic" && value("anthropic_api_key")) body.anthropic_api_key = value("anthropic_api_key");
    const company = {};
    for (const field of companyFields()) company[field.name] = field.type === "choice" ? radio(field.name) : field.type === "number" ? numberOf(field.name) : value(field.name);
    if (!multi()) {
      const { entry, userTokens } = platformEntry(type(), company);
      Object.assign(body, entry);
      if (userTokens.length || tokenUse(spec()) === "required") body.user_tokens = userTokens;
      return present(body);
    }
    // Several platforms: the company's fields at the top, each platform's target and tokens in its entry.
    delete body.connection_type;
    Object.assign(body, company);
    body.platforms = selected.map((t) => {
      const { entry, userTokens } = platformEntry(t, null);
      const own = Object.fromEntries(Object.entries(entry).filter(([name]) => !companyFields().some((field) => field.name === name)));
      return present({ connection_type: t, ...own, ...(userTokens.length ? { user_tokens: userTokens } : {}) });
    });
    return present(body);
  }

  async function submit(event) {
    event.preventDefault();
    const error = $("#form-error");
    const button = $("#start");
    error.hidden = true;
    const body = collect();
    // One platform that acts through tokens needs one; with several, the server names what each lacks.
    if (!multi() && tokenUse(spec()) === "required" && (!body.user_tokens || !body.user_tokens.length)) {
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
    if (t.matches("[data-key-field] textarea")) checkKey(t);
    const owner = typeOfEl(t);
    if (owner && platformOf(owner).fields.some((field) => field.with_token && field.name === t.name)) {
      tokenRows(owner).forEach((row) => scheduleCheck(row.id, DEBOUNCE_MS * 1.5));
    }
  });
  root.addEventListener("change", (event) => {
    const t = event.target;
    queueMicrotask(renderSummary);
    if (t.name === "connection_type") {
      if (!several) choose([t.value]);
      else {
        const next = inOrder([...form().querySelectorAll("[name=connection_type]:checked")].map((x) => x.value));
        if (next.length) choose(next);
        else t.checked = true; // at least one platform
      }
      return;
    }
    if (t.name === "several") {
      several = t.checked;
      choose(several ? selected : selected.slice(0, 1), true); // the picker drawn again, as checkboxes or radios
      return;
    }
    if (t.name === "template") applyTemplate(t.value);
    else if (t.name === "content_provider") applyType();
    if (t.type === "radio" || t.name === "time_scale") updateHints();
  });
  root.addEventListener("click", (event) => {
    const fill = event.target.closest("[data-fill-sandbox]");
    const reveal = event.target.closest("[data-reveal]");
    if (event.target.closest("[data-add-token]")) { addToken(typeOfEl(event.target)); renderSummary(); }
    else if (event.target.closest("[data-remove-token]")) removeToken(event.target.closest("[data-token]"));
    else if (fill) fillSandboxes(fill.dataset.fillSandbox || null);
    else if (reveal) {
      const box = reveal.closest("[data-key-field]").querySelector("textarea");
      const shown = box.classList.toggle("revealed");
      reveal.textContent = shown ? "Hide" : "Show";
      reveal.setAttribute("aria-pressed", String(shown));
    }
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
      const offers = (t) => offered.some((x) => x.connection_type === t);
      const asked = offered.find((x) => x.connection_type === params.get("type"));
      selected = [(asked || offered[0]).connection_type]; // identity platforms come first
      // ?platforms=okta,asana: one company on these.
      const listed = inOrder(String(params.get("platforms") || "").split(",").map((s) => s.trim()).filter(offers));
      if (listed.length) { selected = listed; several = listed.length > 1; }
      const wanted = templates.find((t) => t.name === params.get("template")
        && (Array.isArray(t.platforms) && t.platforms.length ? t.platforms : [t.connection_type]).every(offers));
      if (wanted) {
        selected = inOrder(Array.isArray(wanted.platforms) && wanted.platforms.length ? wanted.platforms : [wanted.connection_type]);
        several = selected.length > 1;
      }
      render();
      if (wanted) { form().template.value = wanted.name; applyTemplate(wanted.name); }
      if (params.get("sandbox") === "1" && sandbox.sandbox) fillSandboxes(null);
      renderSummary();
    })
    .catch((err) => { $("#form-host").innerHTML = `<div class="error-box">${esc(err.message)}</div>`; });

  return () => {
    stopped = true;
    timers.forEach((t) => clearTimeout(t));
  };
}
