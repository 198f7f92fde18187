// Stet's review board. Everything comes from the Stet process that served this page; the token
// in the page's address goes with every request (Authorization header for the API, ?token= for
// images), and the page sends no referrer.
"use strict";
const TOKEN = new URLSearchParams(location.search).get("token") || "";
const state = { assets: [], at: 0, asset: null, cursor: 0, shown: {}, wipe: false, role: "reference", loupeFor: null };
const $ = (id) => document.getElementById(id);

function api(path, options = {}) {
  options.headers = Object.assign({ "Authorization": "Bearer " + TOKEN }, options.headers || {});
  return fetch(path, options).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
    return body;
  });
}
const withToken = (url) => url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);

function status(text, error) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", !!error);
}

// The candidate a stack shows (the first of its near-duplicates unless `s` moved on).
function shownIndex(stackNo) {
  const members = state.asset.stacks[stackNo];
  const k = state.shown[state.asset.id + "/" + stackNo] || 0;
  return members[k % members.length];
}
const candidate = (index) => state.asset.candidates[index - 1];

async function loadAssets() {
  const list = await api("/api/assets");
  state.assets = list.assets;
  state.role = list.role;
  await openAsset(0);
}

async function openAsset(at) {
  if (!state.assets.length) return;
  state.at = (at + state.assets.length) % state.assets.length;
  document.body.dataset.ready = "0";
  state.asset = await api("/api/assets/" + state.assets[state.at].id);
  state.cursor = 0;
  closeWipe();
  $("asset-label").textContent = state.asset.label;
  $("position").textContent = "asset " + (state.at + 1) + " of " + state.assets.length + " · " +
    state.asset.candidates.length + " candidates";
  await render();
  document.body.dataset.asset = String(state.asset.id);
  document.body.dataset.ready = "1";
  document.body.dataset.loadMs = String(Math.round(performance.now()));
}

function layout(n) {
  const board = $("board");
  const w = board.clientWidth, h = board.clientHeight;
  // The column count that makes the candidates largest, for their own aspect.
  const c0 = state.asset.candidates[0];
  const aspect = c0 ? c0.proxyWidth / c0.proxyHeight : 1;
  let best = 1, bestSize = 0;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cw = w / cols, ch = h / rows;
    const size = Math.min(cw, ch * aspect);
    if (size > bestSize) { bestSize = size; best = cols; }
  }
  board.style.gridTemplateColumns = "repeat(" + best + ", 1fr)";
  board.style.gridTemplateRows = "repeat(" + Math.ceil(n / best) + ", 1fr)";
}

// What a grid cell shows: the smallest grid proxy as wide as the picture fitted into the cell,
// in device pixels, else the full proxy (the wipe's). A board of 64 then decodes 64 small JPEGs,
// not 64 of 1024 px; the loupe fetches the source itself and the wipe the full proxy.
function gridSource(c, cell) {
  const dpr = window.devicePixelRatio || 1;
  const aspect = c.proxyWidth / c.proxyHeight;
  const need = Math.min(cell.clientWidth, cell.clientHeight * aspect) * dpr;
  for (const t of c.thumbs || []) if (t.width + 1 >= need) return { url: t.url, width: t.width };
  return { url: c.proxy, width: c.proxyWidth };
}

// Points every grid image at its source for the cells' current size; resolves when all shown
// images are decoded (body data-grid-ready).
function pickSources() {
  document.body.dataset.gridReady = "0";
  const loads = [];
  document.querySelectorAll(".cell").forEach((cell) => {
    const img = cell.querySelector("img");
    const src = gridSource(candidate(Number(cell.dataset.index)), cell);
    if (img.dataset.src !== src.url) {
      img.dataset.src = src.url;
      img.dataset.width = String(src.width);
      img.src = withToken(src.url);
    }
    loads.push(img.decode().catch(() => {}));
  });
  return Promise.all(loads).then(() => { document.body.dataset.gridReady = "1"; });
}

function render() {
  const board = $("board");
  board.textContent = "";
  const stacks = state.asset.stacks;
  layout(stacks.length);
  stacks.forEach((members, s) => {
    const c = candidate(shownIndex(s));
    const cell = document.createElement("div");
    cell.className = "cell";
    cell.dataset.stack = String(s + 1);
    cell.dataset.index = String(c.index);
    const img = document.createElement("img");
    img.alt = c.file;
    img.loading = "lazy";       // off-screen cells (a window too small for the board) wait
    img.decoding = "async";     // decoding off the main thread, not blocking the page
    img.draggable = false;
    cell.appendChild(img);
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = String(s + 1);
    cell.appendChild(badge);
    if (members.length > 1) {
      const st = document.createElement("span");
      st.className = "stack";
      st.textContent = "×" + members.length + " near-duplicates";
      cell.appendChild(st);
    }
    const mark = document.createElement("span");
    mark.className = "state";
    cell.appendChild(mark);
    cell.addEventListener("mousemove", (e) => loupe(e, cell, img, c));
    cell.addEventListener("mouseleave", () => { $("loupe").hidden = true; });
    cell.addEventListener("click", () => { state.cursor = s; paint(); });
    board.appendChild(cell);
  });
  paint();
  return pickSources();
}

function paint() {
  document.querySelectorAll(".cell").forEach((cell, s) => {
    const c = candidate(Number(cell.dataset.index));
    cell.classList.toggle("cursor", s === state.cursor);
    cell.classList.toggle("pick", c.decision === "pick" || c.decision === "lock");
    cell.classList.toggle("reject", c.decision === "reject");
    cell.classList.toggle("locked", !!c.locked);
    cell.querySelector(".state").textContent = c.locked ? "locked · " + (c.role || "") : (c.decision || "");
  });
}

// The rectangle an object-fit: contain image occupies inside its box.
function fitted(img) {
  const r = img.getBoundingClientRect();
  const iw = img.naturalWidth || 1, ih = img.naturalHeight || 1;
  const scale = Math.min(r.width / iw, r.height / ih);
  const w = iw * scale, h = ih * scale;
  return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h };
}

// A 100% loupe: the full-resolution file, fetched only now, shown pixel for pixel.
function loupe(e, cell, img, c) {
  if (state.wipe) return;
  const f = fitted(img);
  const u = (e.clientX - f.x) / f.w, v = (e.clientY - f.y) / f.h;
  const el = $("loupe");
  if (u < 0 || v < 0 || u > 1 || v > 1) { el.hidden = true; return; }
  const fx = Math.round(u * c.width), fy = Math.round(v * c.height);
  const key = state.asset.id + "/" + c.index;
  if (state.loupeFor !== key) {
    state.loupeFor = key;
    el.dataset.loaded = "0";
    const full = new Image();
    full.onload = () => { if (state.loupeFor === key) el.dataset.loaded = "1"; };
    full.src = withToken(c.full);
    el.style.backgroundImage = "url(\"" + full.src + "\")";
    el.style.backgroundSize = c.width + "px " + c.height + "px";
  }
  el.style.backgroundPosition = (120 - fx) + "px " + (120 - fy) + "px";
  let lx = e.clientX + 24, ly = e.clientY + 24;
  if (lx + 240 > innerWidth) lx = e.clientX - 264;
  if (ly + 240 > innerHeight) ly = e.clientY - 264;
  el.style.left = Math.max(0, lx) + "px";
  el.style.top = Math.max(0, ly) + "px";
  el.dataset.candidate = String(c.index);
  el.dataset.fx = String(fx);
  el.dataset.fy = String(fy);
  el.hidden = false;
}

// A/B wipe: the cursor's candidate (A, left) against the next stack's (B, right); the mouse moves the line.
function openWipe() {
  const stacks = state.asset.stacks;
  if (stacks.length < 2) { status("a wipe needs two candidates"); return; }
  const a = candidate(shownIndex(state.cursor));
  const b = candidate(shownIndex((state.cursor + 1) % stacks.length));
  const board = $("board").getBoundingClientRect();
  const scale = Math.min((board.width - 24) / a.proxyWidth, (board.height - 24) / a.proxyHeight, 1e9);
  const w = Math.floor(a.proxyWidth * scale), h = Math.floor(a.proxyHeight * scale);
  const el = $("wipe");
  el.style.width = w + "px"; el.style.height = h + "px";
  el.style.left = Math.floor(board.left + (board.width - w) / 2) + "px";
  el.style.top = Math.floor(board.top + (board.height - h) / 2) + "px";
  el.dataset.a = String(a.index); el.dataset.b = String(b.index);
  el.dataset.ready = "0";
  $("wipe-a").src = withToken(a.proxy);
  $("wipe-b").src = withToken(b.proxy);
  state.wipe = true;
  $("loupe").hidden = true;
  el.hidden = false;
  setSplit(Math.floor(w / 2));
  Promise.all([$("wipe-a").decode(), $("wipe-b").decode()]).then(() => { el.dataset.ready = "1"; }).catch(() => {});
  status("wipe: " + a.index + " (left) against " + b.index + " (right)");
}
function setSplit(x) {
  const el = $("wipe");
  const w = el.clientWidth;
  x = Math.max(0, Math.min(w, Math.round(x)));
  $("wipe-b-clip").style.clipPath = "inset(0 0 0 " + x + "px)";
  $("wipe-line").style.left = x + "px";
  el.dataset.split = String(x);
}
function closeWipe() { state.wipe = false; $("wipe").hidden = true; }

async function decide(kind, index) {
  const c = candidate(index);
  const body = { asset: state.asset.id, file: c.file, decision: kind };
  if (kind === "lock") body.role = state.role;
  try {
    const r = await api("/api/decisions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    c.decision = r.decision; c.locked = r.locked; c.role = r.role;
    paint();
    status((kind === "lock" ? "locked " : kind === "pick" ? "picked " : "rejected ") + c.file +
      (kind === "lock" ? " as " + r.role : "") + (r.recorded ? " · in the ledger" : " · not logged"));
    document.body.dataset.lastDecision = kind + ":" + c.index;
  } catch (err) {
    status(err.message, true);
    document.body.dataset.lastError = err.message;
  }
}

document.addEventListener("keydown", (e) => {
  if (!state.asset || e.ctrlKey || e.metaKey || e.altKey) return;
  const stacks = state.asset.stacks;
  if (/^[1-9]$/.test(e.key)) {
    const s = Number(e.key) - 1;
    if (s < stacks.length) { state.cursor = s; paint(); decide("pick", shownIndex(s)); }
  } else if (e.key === "x") {
    decide("reject", shownIndex(state.cursor));
  } else if (e.key === "l") {
    decide("lock", shownIndex(state.cursor));
  } else if (e.key === "s") {
    const key = state.asset.id + "/" + state.cursor;
    state.shown[key] = (state.shown[key] || 0) + 1;
    render();
  } else if (e.key === "w") {
    state.wipe ? closeWipe() : openWipe();
  } else if (e.key === "Escape") {
    closeWipe();
  } else if (e.key === "ArrowRight") {
    openAsset(state.at + 1);
  } else if (e.key === "ArrowLeft") {
    openAsset(state.at - 1);
  } else {
    return;
  }
  e.preventDefault();
});
document.addEventListener("DOMContentLoaded", () => {
  $("wipe").addEventListener("mousemove", (e) => setSplit(e.clientX - $("wipe").getBoundingClientRect().left));
  addEventListener("resize", () => { if (state.asset) { layout(state.asset.stacks.length); pickSources(); } });
  loadAssets().catch((err) => { status(err.message, true); document.body.dataset.lastError = err.message; });
});
