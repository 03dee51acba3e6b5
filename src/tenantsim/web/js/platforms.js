// The platforms this server offers (GET /api/platforms), fetched once at start. Everything the
// dashboard knows about a platform — its mark, label, form fields, how tokens are asked for — comes
// from here, so no view branches on a connection type.
import { get } from "./api.js";

let list = [];
let byType = {};
let defaultType = null;

export async function loadPlatforms() {
  const data = await get("/api/platforms");
  list = data.platforms || [];
  byType = Object.fromEntries(list.map((p) => [p.connection_type, p]));
  defaultType = data.default_connection_type || null;
  return list;
}

// In display order: identity platforms (which create the company's people) first.
export function platforms() {
  return list;
}

// A platform's description; an unknown type (a server that no longer offers it) gets a plain one.
export function platformOf(type) {
  const key = type || defaultType || "";
  if (byType[key]) return byType[key];
  const label = String(key).replace(/_/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()) || "Unknown";
  return { connection_type: key, label, mark: label.charAt(0), color: "", css_class: "", fields: [],
    tokens: { label: "Tokens", help: "", name_prefix: "user", placeholder: "" }, size_fields: [] };
}
