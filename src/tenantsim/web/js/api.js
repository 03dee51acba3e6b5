// The dashboard's only door to the server: JSON calls in the {success, error} envelope, the API key
// asked for once (kept in sessionStorage) when the server answers 401, and the live job stream.

const KEY_NAME = "tenantsim.apiKey";

export class ApiError extends Error {
  // ``details``: every problem of a refused request (a job start's ``errors``), when the server lists them.
  constructor(status, message, details = []) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

let keyPrompt = null; // one prompt at a time, however many calls hit 401 together

function apiKey() {
  return sessionStorage.getItem(KEY_NAME) || "";
}

function askForKey(dialog) {
  if (keyPrompt) return keyPrompt;
  keyPrompt = new Promise((resolve) => {
    dialog.innerHTML = `
      <form method="dialog">
        <h2>API key needed</h2>
        <p>This server asks for its API key (TENANTSIM_API_KEY). It is kept for this browser tab only.</p>
        <input type="password" name="key" autocomplete="off" placeholder="API key" required>
        <div class="buttons">
          <button class="btn" value="cancel" formnovalidate>Cancel</button>
          <button class="btn btn-primary" value="ok">Continue</button>
        </div>
      </form>`;
    const form = dialog.querySelector("form");
    dialog.addEventListener("close", () => {
      const value = form.key.value.trim();
      if (dialog.returnValue === "ok" && value) sessionStorage.setItem(KEY_NAME, value);
      keyPrompt = null;
      resolve(dialog.returnValue === "ok" && value);
    }, { once: true });
    dialog.showModal();
  });
  return keyPrompt;
}

export async function api(method, path, body, { retryAuth = true } = {}) {
  const headers = { Accept: "application/json" };
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "The tenantsim server cannot be reached");
  }
  if (response.status === 401 && retryAuth) {
    if (key) sessionStorage.removeItem(KEY_NAME);
    if (await askForKey(document.getElementById("dialog"))) return api(method, path, body, { retryAuth: true });
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok || (data && data.success === false)) {
    const details = data && Array.isArray(data.errors) ? data.errors.map(String) : [];
    throw new ApiError(response.status, (data && data.error) || `${response.status} ${response.statusText}`, details);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const del = (path) => api("DELETE", path);

// A job's live stream over WebSocket, reconnecting with back-off and resuming after the last entry.
export class JobStream {
  constructor(jobId, onMessage, onState, backlog = 100) {
    this.jobId = jobId;
    this.onMessage = onMessage;
    this.onState = onState;
    this.backlog = backlog;
    this.lastId = null;
    this.closed = false;
    this.retry = 0;
    this.open();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const params = new URLSearchParams();
    if (this.lastId !== null) params.set("after", String(this.lastId));
    else params.set("backlog", String(this.backlog));
    const key = apiKey();
    if (key) params.set("api_key", key); // browsers cannot set headers on a WebSocket
    return `${scheme}//${location.host}/api/jobs/${encodeURIComponent(this.jobId)}/stream?${params}`;
  }

  open() {
    if (this.closed) return;
    this.onState("connecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => { this.retry = 0; this.onState("live"); };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      if (message.type === "activity" && message.entry && message.entry.id != null) {
        this.lastId = Math.max(this.lastId ?? 0, message.entry.id);
      }
      this.onMessage(message);
    };
    socket.onclose = (event) => {
      if (this.closed) return;
      if (event.code === 4404) { this.onState("gone"); return; }
      this.onState("reconnecting");
      const delay = Math.min(10000, 500 * 2 ** this.retry++);
      this.timer = setTimeout(() => this.open(), delay);
    };
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
  }
}
