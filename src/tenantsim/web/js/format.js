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

// Stable colours per event type: the same type looks the same in every chart and log line.
const PALETTE = ["#2f6fed", "#1f9d74", "#e0892b", "#8b5cf6", "#d9467a", "#0ea5b7", "#7a8a1f", "#c2573a",
  "#5a6fd6", "#b9892b", "#3b9c4a", "#a855f7"];
const FIXED = { error: "#c8372d", job_failed: "#c8372d", cleanup_failed: "#c8372d", content_notice: "#b7791f",
  seed_started: "#6b7a90", seed_completed: "#1f8a4c", cleanup_started: "#6d4fd8", cleanup_completed: "#2b8a99",
  generate_now: "#2f6fed", job_stopped: "#5f6b7a" };
export function colorFor(type) {
  if (FIXED[type]) return FIXED[type];
  let hash = 0;
  for (const ch of String(type)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length];
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
