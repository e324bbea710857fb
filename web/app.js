// Castle's trading UI: plain JavaScript, no build step. It speaks the same public API as any client:
// Binance REST (/api/v3, signed with an API key created for this browser via /v1/api-keys and HMAC-SHA256
// in WebCrypto), Castle's /v1 endpoints with the Cognito token, and the Binance-format WebSocket feed
// (/stream?streams=...), falling back to REST polling when the feed is quiet.
"use strict";

const $ = (id) => document.getElementById(id);
const STORE = "castle.session";
const state = {
  session: JSON.parse(localStorage.getItem(STORE) || "null"),
  markets: {}, symbol: localStorage.getItem("castle.symbol") || "BTCUSDT",
  side: "BUY", interval: "1m", klines: [], trades: [], book: { bids: [], asks: [] },
  ws: null, lastFeedAt: 0, timers: [],
};

// ---- exact decimals: 8-decimal strings <-> BigInt minor units (never floats for money) -------------
const SCALE = 100000000n;
function toMinor(text) {
  const s = String(text).trim();
  if (!/^\d+(\.\d+)?$/.test(s)) return null;
  const [whole, frac = ""] = s.split(".");
  if (frac.replace(/0+$/, "").length > 8) return null;
  return BigInt(whole) * SCALE + BigInt((frac + "00000000").slice(0, 8));
}
function fromMinor(minor, places = 8) {
  const neg = minor < 0n; let v = neg ? -minor : minor;
  const whole = v / SCALE; const frac = (v % SCALE).toString().padStart(8, "0").slice(0, places);
  return (neg ? "-" : "") + whole.toString() + (places ? "." + frac : "");
}
function decimalsOf(step) { const f = String(step).replace(/0+$/, "").split(".")[1]; return f ? f.length : 0; }
function fmt(text, places) { const m = toMinor(text); return m === null ? String(text) : fromMinor(m, places); }
const timeOf = (ms) => new Date(Number(ms)).toLocaleTimeString();

// ---- HTTP -------------------------------------------------------------------------------------------
async function api(path, { method = "GET", body, auth = false, headers: extra = {} } = {}) {
  const headers = { ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && state.session) headers.Authorization = state.session.idToken;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null; try { data = text ? JSON.parse(text) : null; } catch { data = { msg: text }; }
  if (!res.ok) { const err = new Error((data && (data.msg || data.message)) || res.statusText); err.status = res.status; err.code = data && data.code; throw err; }
  return data;
}

async function hmacHex(secret, message) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function signed(method, path, params = {}, retry = true) {
  await ensureApiKey();
  const query = new URLSearchParams({ ...params, timestamp: String(Date.now()), recvWindow: "10000" }).toString();
  const signature = await hmacHex(state.session.secret, query);
  const res = await fetch(`${path}?${query}&signature=${signature}`, { method, headers: { "X-MBX-APIKEY": state.session.apiKey } });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    if (retry && (res.status === 401 || (data && (data.code === -2015 || data.code === -2014)))) {
      state.session.apiKey = null; saveSession(); return signed(method, path, params, false);
    }
    const err = new Error((data && (data.msg || data.message)) || res.statusText); err.status = res.status; err.code = data && data.code; throw err;
  }
  return data;
}

async function ensureApiKey() {
  if (state.session.apiKey) return;
  const key = await api("/v1/api-keys", { method: "POST", auth: true, body: { label: "web", permissions: ["read", "trade"] } });
  state.session.apiKey = key.apiKey; state.session.secret = key.secretKey; saveSession();
}

// ---- session ----------------------------------------------------------------------------------------
function saveSession() { if (state.session) localStorage.setItem(STORE, JSON.stringify(state.session)); else localStorage.removeItem(STORE); }

function tokenExpired(token) {
  try { return JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).exp * 1000 < Date.now() + 30000; }
  catch { return true; }
}

async function authenticate(action) {
  const email = $("auth-email").value.trim(); const password = $("auth-password").value;
  $("auth-error").textContent = "";
  if (!email || !password) { $("auth-error").textContent = "E-mail and password are required."; return; }
  try {
    const tokens = await api(`/v1/auth/${action}`, { method: "POST", body: { username: email, password } });
    const previous = JSON.parse(localStorage.getItem(STORE) || "null");
    const keep = previous && previous.username === email ? { apiKey: previous.apiKey, secret: previous.secret } : {};
    state.session = { username: email, ...tokens, ...keep }; saveSession();
    await enterApp();
  } catch (err) { $("auth-error").textContent = err.message; }
}

async function refreshSession() {
  if (!state.session || !tokenExpired(state.session.idToken)) return true;
  try {
    const tokens = await api("/v1/auth/refresh", { method: "POST", body: { refreshToken: state.session.refreshToken } });
    Object.assign(state.session, tokens); saveSession(); return true;
  } catch { logout(); return false; }
}

function logout() {
  state.session = null; saveSession();
  state.timers.forEach(clearInterval); state.timers = [];
  if (state.ws) state.ws.close();
  $("app").hidden = true; $("auth").hidden = false; $("logout").hidden = true; $("who").textContent = "";
}

// ---- markets ----------------------------------------------------------------------------------------
async function loadMarkets() {
  const info = await api("/api/v3/exchangeInfo");
  for (const s of info.symbols) {
    const f = Object.fromEntries(s.filters.map((x) => [x.filterType, x]));
    state.markets[s.symbol] = {
      symbol: s.symbol, base: s.baseAsset, quote: s.quoteAsset,
      tick: f.PRICE_FILTER.tickSize, step: f.LOT_SIZE.stepSize, minQty: f.LOT_SIZE.minQty, maxQty: f.LOT_SIZE.maxQty,
      minPrice: f.PRICE_FILTER.minPrice, maxPrice: f.PRICE_FILTER.maxPrice,
      minNotional: (f.NOTIONAL || f.MIN_NOTIONAL || {}).minNotional || "0",
    };
  }
  const select = $("symbol"); select.innerHTML = "";
  for (const sym of Object.keys(state.markets)) select.add(new Option(`${state.markets[sym].base}/${state.markets[sym].quote}`, sym));
  if (!state.markets[state.symbol]) state.symbol = Object.keys(state.markets)[0];
  select.value = state.symbol;
  const assets = [...new Set(Object.values(state.markets).flatMap((m) => [m.base, m.quote]))];
  for (const id of ["withdraw-coin", "deposit-coin"]) { $(id).innerHTML = ""; assets.forEach((a) => $(id).add(new Option(a, a))); }
}
const market = () => state.markets[state.symbol];

// ---- order book, trades, chart --------------------------------------------------------------------
function renderBook() {
  const m = market(); const pp = decimalsOf(m.tick); const qp = decimalsOf(m.step);
  const render = (levels, el) => {
    const rows = levels.slice(0, 15); const max = rows.reduce((a, [, q]) => Math.max(a, Number(q)), 0) || 1;
    el.innerHTML = rows.map(([p, q]) => {
      const total = fromMinor((toMinor(p) * toMinor(q)) / SCALE, pp);
      return `<div class="level" data-price="${fmt(p, pp)}"><div class="bar" style="width:${(Number(q) / max) * 100}%"></div><span>${fmt(p, pp)}</span><span>${fmt(q, qp)}</span><span>${total}</span></div>`;
    }).join("");
  };
  render(state.book.asks, $("asks")); render(state.book.bids, $("bids"));
  const bestBid = state.book.bids[0]; const bestAsk = state.book.asks[0];
  $("spread").textContent = bestBid && bestAsk ? `${fmt(bestAsk[0], pp)} / ${fmt(bestBid[0], pp)}` : "—";
}

function renderTrades() {
  const m = market(); const pp = decimalsOf(m.tick); const qp = decimalsOf(m.step);
  $("trades").innerHTML = state.trades.slice(0, 40).map((t) =>
    `<div class="trade ${t.isBuyerMaker ? "sell" : "buy"}" data-price="${fmt(t.price, pp)}"><span>${fmt(t.price, pp)}</span><span>${fmt(t.qty, qp)}</span><span>${timeOf(t.time)}</span></div>`).join("");
  if (state.trades[0]) $("last-price").textContent = fmt(state.trades[0].price, pp);
}

function drawChart() {
  const canvas = $("candles"); const ctx = canvas.getContext("2d");
  const width = canvas.clientWidth; const height = canvas.height;
  canvas.width = width * devicePixelRatio; canvas.height = height * devicePixelRatio; canvas.style.height = height + "px";
  ctx.scale(devicePixelRatio, devicePixelRatio); ctx.clearRect(0, 0, width, height);
  const data = state.klines.slice(-80);
  if (!data.length) { ctx.fillStyle = "#8a93a0"; ctx.fillText("no trades yet", 12, 20); return; }
  // Drawing only: floats are fine for pixels, never for money.
  const highs = data.map((k) => Number(k[2])); const lows = data.map((k) => Number(k[3]));
  let hi = Math.max(...highs); let lo = Math.min(...lows); if (hi === lo) { hi += 1; lo -= 1; }
  const pad = 50; const plotW = width - pad; const w = plotW / Math.max(data.length, 20);
  const y = (v) => 10 + (hi - Number(v)) / (hi - lo) * (height - 30);
  ctx.strokeStyle = "#252b33"; ctx.fillStyle = "#8a93a0"; ctx.font = "11px system-ui";
  for (let i = 0; i <= 4; i++) {
    const v = lo + (hi - lo) * i / 4; const yy = y(v);
    ctx.beginPath(); ctx.moveTo(0, yy); ctx.lineTo(plotW, yy); ctx.stroke();
    ctx.fillText(v.toFixed(decimalsOf(market().tick)), plotW + 4, yy + 4);
  }
  data.forEach((k, i) => {
    const [, o, h, l, c] = k; const up = Number(c) >= Number(o); const x = i * w + w / 2;
    ctx.strokeStyle = ctx.fillStyle = up ? "#1fb57a" : "#ef4b5a";
    ctx.beginPath(); ctx.moveTo(x, y(h)); ctx.lineTo(x, y(l)); ctx.stroke();
    const top = y(Math.max(Number(o), Number(c))); const bodyH = Math.max(1, Math.abs(y(o) - y(c)));
    ctx.fillRect(x - w * 0.35, top, w * 0.7, bodyH);
  });
}

async function pollMarket(force = false) {
  const sym = state.symbol;
  if (force || Date.now() - state.lastFeedAt > 3000) {
    const [depth, trades] = await Promise.all([
      api(`/api/v3/depth?symbol=${sym}&limit=20`), api(`/api/v3/trades?symbol=${sym}&limit=40`)]);
    if (sym !== state.symbol) return;
    state.book = { bids: depth.bids, asks: depth.asks };
    state.trades = trades.slice().reverse();
    renderBook(); renderTrades();
  }
}

async function pollKlines() {
  const sym = state.symbol;
  const klines = await api(`/api/v3/klines?symbol=${sym}&interval=${state.interval}&limit=100`);
  if (sym === state.symbol) { state.klines = klines; drawChart(); }
}

// ---- live feed (Binance combined streams) -----------------------------------------------------------
function connectFeed() {
  if (state.ws) { state.ws.onclose = null; state.ws.close(); }
  const s = state.symbol.toLowerCase();
  const streams = [`${s}@depth20@100ms`, `${s}@trade`, `${s}@kline_${state.interval}`].join("/");
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/stream?streams=${streams}`);
  state.ws = ws; setFeed("connecting");
  ws.onopen = () => setFeed("live");
  ws.onmessage = (msg) => {
    let frame; try { frame = JSON.parse(msg.data); } catch { return; }
    const data = frame.data || frame; const stream = frame.stream || "";
    state.lastFeedAt = Date.now(); setFeed("live");
    if (stream.includes("@depth") && data.bids) { state.book = { bids: data.bids, asks: data.asks }; renderBook(); }
    else if (data.e === "trade") {
      state.trades.unshift({ price: data.p, qty: data.q, time: data.T, isBuyerMaker: data.m });
      state.trades.length = Math.min(state.trades.length, 60); renderTrades();
    } else if (data.e === "kline") {
      const k = data.k; const row = [k.t, k.o, k.h, k.l, k.c, k.v, k.T];
      const last = state.klines[state.klines.length - 1];
      if (last && last[0] === k.t) state.klines[state.klines.length - 1] = row; else state.klines.push(row);
      drawChart();
    }
  };
  ws.onclose = () => { setFeed("polling"); setTimeout(() => { if (state.session && state.ws === ws) connectFeed(); }, 3000); };
}
function setFeed(mode) {
  const el = $("feed"); el.className = "feed " + mode;
  el.textContent = mode === "live" ? "● live" : mode === "polling" ? "● polling" : "● connecting";
}

// ---- account ---------------------------------------------------------------------------------------
async function loadBalances() {
  const data = await api("/v1/balances", { auth: true });
  $("balances").innerHTML = data.balances.map((b) =>
    `<tr data-asset="${b.asset}"><td>${b.asset}</td><td data-testid="free-${b.asset}">${b.free}</td><td data-testid="locked-${b.asset}">${b.locked}</td></tr>`).join("");
}

async function loadOrders() {
  const m = market(); const pp = decimalsOf(m.tick); const qp = decimalsOf(m.step);
  const [open, all] = await Promise.all([
    signed("GET", "/api/v3/openOrders", { symbol: state.symbol }),
    signed("GET", "/api/v3/allOrders", { symbol: state.symbol, limit: "50" })]);
  $("open-orders").innerHTML = open.map((o) => `<tr data-order-id="${o.orderId}">
    <td>${timeOf(o.time)}</td><td>${o.symbol}</td><td class="${o.side.toLowerCase()}">${o.side}</td><td>${o.type}</td>
    <td>${fmt(o.price, pp)}</td><td>${fmt(o.origQty, qp)}</td><td>${fmt(o.executedQty, qp)}</td>
    <td><button class="link cancel" data-cancel="${o.orderId}" data-testid="cancel-${o.orderId}">Cancel</button></td></tr>`).join("")
    || `<tr><td colspan="8" class="muted">No open orders</td></tr>`;
  $("order-history").innerHTML = all.slice().reverse().map((o) => `<tr data-order-id="${o.orderId}">
    <td>${timeOf(o.time)}</td><td>${o.symbol}</td><td class="${o.side.toLowerCase()}">${o.side}</td><td>${o.type}</td>
    <td>${fmt(o.price, pp)}</td><td>${fmt(o.origQty, qp)}</td><td>${fmt(o.executedQty, qp)}</td><td>${o.status}</td></tr>`).join("");
}

async function loadFunds() {
  const asset = $("deposit-coin").value;
  try { $("deposit-address").textContent = (await api(`/v1/deposit-address?asset=${asset}`, { auth: true })).address; }
  catch (err) { $("deposit-address").textContent = err.status === 404 ? "not available yet" : err.message; }
  const rows = [];
  const [deposits, withdrawals] = await Promise.allSettled([api("/v1/deposits", { auth: true }), api("/v1/withdrawals", { auth: true })]);
  if (deposits.status === "fulfilled") for (const d of deposits.value.deposits) rows.push({ type: "Deposit", time: d.createdAt, asset: d.asset, amount: d.amount, status: d.status });
  if (withdrawals.status === "fulfilled") for (const w of withdrawals.value.withdrawals) rows.push({ type: "Withdrawal", time: w.createdAt, asset: w.asset, amount: w.amount, status: w.failureReason ? `${w.status} (${w.failureReason})` : w.status });
  rows.sort((a, b) => String(b.time).localeCompare(String(a.time)));
  $("funds-history").innerHTML = rows.map((r) => `<tr><td>${new Date(r.time).toLocaleString()}</td><td>${r.type}</td><td>${r.asset}</td><td>${r.amount}</td><td>${r.status}</td></tr>`).join("")
    || `<tr><td colspan="5" class="muted">Nothing yet</td></tr>`;
}

async function refreshAccount() {
  if (!(await refreshSession())) return;
  const results = await Promise.allSettled([loadBalances(), loadOrders()]);
  const failed = results.find((r) => r.status === "rejected");
  $("account-error").textContent = failed ? `Account data unavailable: ${failed.reason.message}` : "";
}

// ---- order form ------------------------------------------------------------------------------------
function validateOrder() {
  const m = market(); const type = $("order-type").value;
  const price = $("order-price").value.trim(); const qty = $("order-qty").value.trim();
  const errors = []; const p = toMinor(price); const q = toMinor(qty);
  $("order-price").removeAttribute("aria-invalid"); $("order-qty").removeAttribute("aria-invalid");
  if (type === "LIMIT") {
    if (p === null || p <= 0n) { errors.push("Enter a price."); $("order-price").setAttribute("aria-invalid", "true"); }
    else if (p % toMinor(m.tick) !== 0n) { errors.push(`Price must be a multiple of ${fmt(m.tick, decimalsOf(m.tick))}.`); $("order-price").setAttribute("aria-invalid", "true"); }
  }
  if (q === null || q <= 0n) { errors.push("Enter an amount."); $("order-qty").setAttribute("aria-invalid", "true"); }
  else if (q % toMinor(m.step) !== 0n) { errors.push(`Amount must be a multiple of ${fmt(m.step, decimalsOf(m.step))}.`); $("order-qty").setAttribute("aria-invalid", "true"); }
  else if (q < toMinor(m.minQty)) { errors.push(`Minimum amount is ${fmt(m.minQty, decimalsOf(m.step))}.`); }
  let total = null;
  if (type === "LIMIT" && p !== null && q !== null) {
    total = (p * q) / SCALE;
    if (total < toMinor(m.minNotional)) errors.push(`Minimum order value is ${fmt(m.minNotional, 8).replace(/\.?0+$/, "")} ${m.quote}.`);
  }
  $("order-total").textContent = total === null ? "—" : fromMinor(total, decimalsOf(m.tick) + decimalsOf(m.step));
  return errors;
}

async function submitOrder(event) {
  event.preventDefault();
  const errors = validateOrder(); $("order-error").textContent = errors.join(" ");
  if (errors.length) return;
  const type = $("order-type").value;
  const params = { symbol: state.symbol, side: state.side, type, quantity: $("order-qty").value.trim(), newOrderRespType: "FULL" };
  if (type === "LIMIT") Object.assign(params, { price: $("order-price").value.trim(), timeInForce: "GTC" });
  $("order-submit").disabled = true; $("order-result").textContent = "";
  try {
    const o = await signed("POST", "/api/v3/order", params);
    $("order-result").textContent = `Order ${o.orderId}: ${o.status}${o.fills && o.fills.length ? `, ${o.fills.length} fill(s)` : ""}`;
    await Promise.allSettled([refreshAccount(), pollMarket(true)]);
  } catch (err) { $("order-error").textContent = err.message; }
  finally { $("order-submit").disabled = false; }
}

async function cancelOrder(orderId) {
  try { await signed("DELETE", "/api/v3/order", { symbol: state.symbol, orderId: String(orderId) }); }
  catch (err) { $("order-error").textContent = err.message; }
  await Promise.allSettled([refreshAccount(), pollMarket(true)]);
}

async function withdraw(event) {
  event.preventDefault();
  const amount = $("withdraw-amount").value.trim(); const address = $("withdraw-address").value.trim();
  if (toMinor(amount) === null || toMinor(amount) <= 0n || !address) { $("withdraw-result").textContent = "Enter an address and an amount."; return; }
  const submit = $("withdraw-form").querySelector("button[type=submit]"); submit.disabled = true;
  try {
    const body = { asset: $("withdraw-coin").value, address, amount };
    const totp = $("withdraw-totp").value.trim(); if (totp) body.totpCode = totp;
    // One key per submission: a retried request is the same withdrawal, never a second one.
    const w = await api("/v1/withdrawals", { method: "POST", auth: true, body, headers: { "Idempotency-Key": crypto.randomUUID() } });
    $("withdraw-result").textContent = `Withdrawal ${w.id}: ${w.status} (fee ${w.fee} ${w.asset})`;
    $("withdraw-totp").value = "";
    await Promise.allSettled([loadBalances(), loadFunds()]);
    followWithdrawal(w.id);
  } catch (err) { $("withdraw-result").textContent = err.status === 404 ? "Withdrawals are not available yet." : err.message; }
  finally { submit.disabled = false; }
}

// The workflow runs on after the request is accepted: show its status until it ends (or waits for review).
async function followWithdrawal(id, deadline = Date.now() + 120000) {
  let w;
  try { w = await api(`/v1/withdrawals/${id}`, { auth: true }); } catch { return; }
  const ended = ["COMPLETED", "FAILED", "AWAITING_APPROVAL"].includes(w.status);
  $("withdraw-result").textContent = `Withdrawal ${w.id}: ${w.status}${w.failureReason ? ` (${w.failureReason})` : ""}`;
  if (ended) { await Promise.allSettled([loadBalances(), loadFunds()]); return; }
  if (Date.now() < deadline) setTimeout(() => followWithdrawal(id, deadline), 1000);
}

async function enrolTwoFactor() {
  try {
    const { otpauthUri } = await api("/v1/wallet/2fa", { method: "POST", auth: true });
    const secret = new URL(otpauthUri).searchParams.get("secret");
    const code = document.createElement("code"); code.dataset.testid = "totp-secret"; code.textContent = secret;
    const link = document.createElement("a"); link.href = otpauthUri; link.textContent = "open in an app";
    $("enrol-2fa-result").replaceChildren("Add this key to your authenticator app: ", code, " (", link, ")");
  } catch (err) { $("enrol-2fa-result").textContent = err.message; }
}

function setSide(side) {
  state.side = side;
  $("side-buy").classList.toggle("on", side === "BUY"); $("side-sell").classList.toggle("on", side === "SELL");
  const btn = $("order-submit"); btn.className = side === "BUY" ? "buy" : "sell";
  btn.textContent = `${side === "BUY" ? "Buy" : "Sell"} ${market() ? market().base : ""}`;
}

function selectSymbol(sym) {
  state.symbol = sym; localStorage.setItem("castle.symbol", sym);
  document.querySelectorAll(".unit.base").forEach((e) => { e.textContent = market().base; });
  document.querySelectorAll(".unit.quote").forEach((e) => { e.textContent = market().quote; });
  setSide(state.side); state.book = { bids: [], asks: [] }; state.trades = []; state.klines = [];
  renderBook(); renderTrades(); drawChart(); connectFeed();
  Promise.allSettled([pollMarket(true), pollKlines(), refreshAccount()]);
}

// ---- start -----------------------------------------------------------------------------------------
async function enterApp() {
  $("auth").hidden = true; $("app").hidden = false; $("logout").hidden = false;
  $("who").textContent = state.session.username;
  await loadMarkets();
  selectSymbol(state.symbol);
  state.timers.forEach(clearInterval);
  state.timers = [
    setInterval(() => pollMarket().catch(() => {}), 1500),
    setInterval(() => pollKlines().catch(() => {}), 5000),
    setInterval(() => refreshAccount().catch(() => {}), 3000),
  ];
}

function wire() {
  $("auth-form").addEventListener("submit", (e) => { e.preventDefault(); authenticate("login"); });
  $("signup").addEventListener("click", () => authenticate("signup"));
  $("logout").addEventListener("click", logout);
  $("symbol").addEventListener("change", (e) => selectSymbol(e.target.value));
  $("side-buy").addEventListener("click", () => setSide("BUY"));
  $("side-sell").addEventListener("click", () => setSide("SELL"));
  $("order-form").addEventListener("submit", submitOrder);
  for (const id of ["order-price", "order-qty"]) $(id).addEventListener("input", () => { $("order-error").textContent = validateOrder().join(" "); });
  $("order-type").addEventListener("change", () => { $("price-row").hidden = $("order-type").value === "MARKET"; validateOrder(); });
  $("open-orders").addEventListener("click", (e) => { const id = e.target.dataset && e.target.dataset.cancel; if (id) cancelOrder(id); });
  $("asks").addEventListener("click", (e) => { const l = e.target.closest(".level"); if (l) $("order-price").value = l.dataset.price; });
  $("bids").addEventListener("click", (e) => { const l = e.target.closest(".level"); if (l) $("order-price").value = l.dataset.price; });
  document.querySelectorAll("[data-tab]").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll("[data-tab]").forEach((x) => x.classList.toggle("on", x === b));
    document.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== b.dataset.tab; });
    if (b.dataset.tab === "funds") loadFunds();
  }));
  document.querySelectorAll("[data-interval]").forEach((b) => b.addEventListener("click", () => {
    state.interval = b.dataset.interval;
    document.querySelectorAll("[data-interval]").forEach((x) => x.classList.toggle("on", x === b));
    connectFeed(); pollKlines().catch(() => {});
  }));
  $("withdraw-form").addEventListener("submit", withdraw);
  $("enrol-2fa").addEventListener("click", enrolTwoFactor);
  $("deposit-coin").addEventListener("change", loadFunds);
  window.addEventListener("resize", drawChart);
}

wire();
if (state.session && state.session.idToken) refreshSession().then((ok) => ok && enterApp());
