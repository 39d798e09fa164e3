/* OmniSales widget loader: a shop adds
 *   <script src="https://<omnisales host>/widget.js" data-token-url="/my/token/endpoint"></script>
 * It draws a chat button and opens the chat in a frame served by OmniSales. The shop's own
 * endpoint (same origin as its page, its session cookie sent) returns the body of
 * POST /widget/session for the signed-in customer; without data-token-url the chat is a guest's.
 * Tokens reach the frame by postMessage, addressed to the OmniSales origin only.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__omnisalesWidget) return;
  window.__omnisalesWidget = true;
  var origin = new URL(script.src, location.href).origin;
  var tokenUrl = script.getAttribute("data-token-url");
  var startOpen = script.getAttribute("data-open") === "true";
  var lang = script.getAttribute("data-lang") || navigator.language || "en";
  var labels = {
    en: "Chat with us", es: "Chatea con nosotros", fr: "Discutons", de: "Chatten Sie mit uns",
    hi: "हमसे बात करें"
  };
  var label = labels[lang.slice(0, 2)] || labels.en;

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  button.title = label;
  var s = button.style;
  s.position = "fixed"; s.right = "24px"; s.bottom = "24px"; s.zIndex = "2147483000";
  s.width = "60px"; s.height = "60px"; s.borderRadius = "50%"; s.border = "0";
  s.background = "#1f4fd8"; s.color = "#fff"; s.cursor = "pointer";
  s.boxShadow = "0 8px 24px rgba(15, 23, 42, .25)";
  s.display = "flex"; s.alignItems = "center"; s.justifyContent = "center";
  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "28");
  svg.setAttribute("height", "28"); svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
  svg.appendChild(path);
  button.appendChild(svg);

  var frame = document.createElement("iframe");
  frame.title = label;
  frame.src = origin + "/widget/frame";
  var f = frame.style;
  f.position = "fixed"; f.right = "24px"; f.bottom = "24px"; f.zIndex = "2147483001";
  f.width = "min(400px, calc(100vw - 32px))"; f.height = "min(640px, calc(100vh - 48px))";
  f.border = "0"; f.borderRadius = "16px"; f.background = "#fff";
  f.boxShadow = "0 16px 48px rgba(15, 23, 42, .28)"; f.display = "none";

  function fit() {  // a phone gets the whole screen; a larger one a panel in the corner
    var small = window.matchMedia("(max-width: 480px)").matches;
    f.right = small ? "0" : "24px"; f.bottom = small ? "0" : "24px";
    f.width = small ? "100vw" : "min(400px, calc(100vw - 32px))";
    f.height = small ? "100dvh" : "min(640px, calc(100vh - 48px))";
    f.borderRadius = small ? "0" : "16px";
  }
  window.addEventListener("resize", fit);
  fit();

  function open() {
    frame.style.display = "block";
    button.style.display = "none";
    button.setAttribute("aria-expanded", "true");
    post({ type: "omnisales:open" });
  }
  function close() {
    frame.style.display = "none";
    button.style.display = "flex";
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  function post(message) {
    if (frame.contentWindow) frame.contentWindow.postMessage(message, origin);
  }
  function sendToken() {
    if (!tokenUrl) { post({ type: "omnisales:guest", lang: lang }); return; }
    fetch(tokenUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("token " + r.status); return r.json(); })
      .then(function (body) {
        post({ type: "omnisales:token", token: body.token, user_id: body.user_id,
               expires_in: body.expires_in, lang: lang });
      })
      .catch(function () { post({ type: "omnisales:token-failed" }); });
  }

  var ready = false;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var kind = event.data && event.data.type;
    if (kind === "omnisales:ready") ready = true;
    if (kind === "omnisales:ready" || kind === "omnisales:renew") sendToken();
    else if (kind === "omnisales:close") close();
  });
  button.addEventListener("click", open);

  function mount() {
    document.body.appendChild(button);
    document.body.appendChild(frame);
    if (startOpen) open();
    // A frame that never says it is ready was refused (this origin is not in WIDGET_ORIGINS)
    // or could not load: take the chat away rather than show a broken one.
    setTimeout(function () {
      if (ready) return;
      frame.remove();
      button.remove();
      console.warn("OmniSales: the chat could not load on this page (is its origin in WIDGET_ORIGINS?)");
    }, 15000);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
