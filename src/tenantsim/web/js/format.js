// Small formatting and DOM helpers shared by every view.
import { platformOf } from "./platforms.js";

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const numberFormat = new Intl.NumberFormat();
export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return digits ? Number(value).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: 0 })
    : numberFormat.format(Math.round(value));
}

export function compact(value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function ago(iso) {
  if (!iso) return "never";
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${Math.round(seconds)}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function title(key) {
  return String(key ?? "").replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}

export function status(value, pill = false) {
  const s = esc(value || "unknown");
  return `<span class="status st-${s}${pill ? " pill" : ""}">${s}</span>`;
}

// A platform's coloured one-letter mark, as its spec (GET /api/platforms) describes it.
export function platformMark(type) {
  const p = platformOf(type);
  return `<span class="platform-mark ${esc(p.css_class)}"${p.color ? ` style="background:${esc(p.color)}"` : ""}>${esc(p.mark)}</span>`;
}

export function platform(type) {
  return `<span class="platform">${platformMark(type)}${esc(platformOf(type).label)}</span>`;
}

// A job's platforms: one as ``platform`` shows it; several as a chip each (mark, label, colour).
export function platformChips(types) {
  const list = Array.isArray(types) && types.length ? types : [];
  if (list.length < 2) return platform(list[0]);
  return `<span class="platforms-chips" data-platforms="${esc(list.join(" "))}">${list.map((t) => `<span class="platform platform-chip" data-platform="${esc(t)}">${platformMark(t)}${esc(platformOf(t).label)}</span>`).join("")}</span>`;
}

// A job's platforms in a list row: every mark, then the labels ("Okta + Asana").
export function platformMarks(types) {
  const list = Array.isArray(types) && types.length ? types : [];
  if (list.length < 2) return platform(list[0]);
  return `<span class="platform" data-platforms="${esc(list.join(" "))}"><span class="platform-marks">${list.map(platformMark).join("")}</span>${esc(list.map((t) => platformOf(t).label).join(" + "))}</span>`;
}

// One colour per event type, distinct from every other type's: the same type looks the same in every
// chart and log line of the page. A type keeps the colour its name hashes to unless another type has
// it already; then it takes the next free one (and past the palette, a hue of its own).
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
  "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
  "#d6616b", "#6baed6", "#fd8d3c", "#74c476", "#9e9ac8", "#ce6dbd", "#a55194"];
const FIXED = { error: "#c8372d", job_failed: "#9b1c1c", cleanup_failed: "#e0604f", content_notice: "#b7791f",
  seed_started: "#6b7a90", seed_completed: "#1f8a4c", cleanup_started: "#6d4fd8", cleanup_completed: "#2b8a99",
  generate_now: "#2f6fed", job_stopped: "#5f6b7a" };
const assigned = new Map();
const taken = new Set(Object.values(FIXED));
export function colorFor(type) {
  const key = String(type);
  if (Object.hasOwn(FIXED, key)) return FIXED[key];
  if (assigned.has(key)) return assigned.get(key);
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  let color = null;
  for (let i = 0; i < PALETTE.length && color === null; i++) {
    const candidate = PALETTE[(hash + i) % PALETTE.length];
    if (!taken.has(candidate)) color = candidate;
  }
  if (color === null) color = `hsl(${Math.round((assigned.size * 137.508) % 360)} 55% 45%)`;
  assigned.set(key, color);
  taken.add(color);
  return color;
}

// Events per hour, to a sensible precision: "2.5", "340", "26.7K" (never "26,736.1").
export function perHour(value) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  const n = Number(value);
  if (n === 0) return "0";
  if (n < 10) return num(n, 1);
  if (n < 10000) return num(n);
  return compact(n);
}

// A URL or host that may wrap only after its separators ("/", ".", ":"), never inside a word.
export function breakable(value) {
  return esc(value).replace(/(\/+|\.|:)/g, "$1<wbr>");
}

export function meterClass(share) {
  if (share === null || share === undefined) return "";
  return share < 0.15 ? "bad" : share < 0.4 ? "warn" : "";
}

export function toast(message, bad = false) {
  const host = document.getElementById("toasts");
  const el = document.createElement("div");
  el.className = `toast${bad ? " bad" : ""}`;
  el.textContent = message;
  host.appendChild(el);
  setTimeout(() => el.remove(), bad ? 6000 : 3500);
}

// A confirmation dialog; resolves true when the person confirms.
export function confirmDialog({ heading, body, confirm = "Confirm", danger = false, typeToConfirm = null }) {
  const dialog = document.getElementById("dialog");
  dialog.innerHTML = `
    <form method="dialog">
      <h2>${esc(heading)}</h2>
      <p>${body}</p>
      ${typeToConfirm ? `<label class="field"><span class="label small">Type <code>${esc(typeToConfirm)}</code> to confirm</span><input name="typed" autocomplete="off"></label>` : ""}
      <div class="buttons">
        <button class="btn" value="cancel" formnovalidate>Cancel</button>
        <button class="btn ${danger ? "btn-danger-solid" : "btn-primary"}" value="ok" data-confirm>${esc(confirm)}</button>
      </div>
    </form>`;
  const okButton = dialog.querySelector("[data-confirm]");
  if (typeToConfirm) {
    const input = dialog.querySelector("input[name=typed]");
    okButton.disabled = true;
    input.addEventListener("input", () => { okButton.disabled = input.value.trim() !== typeToConfirm; });
  }
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}
