/* The reception desk: keep the code field focused, check the code before sending,
   send it without reloading the page, show the outcome, and never redeem twice:
   the scan id changes only once the server has answered, so a double Enter or a
   retry after a timeout sends the same id again (the server replays its answer). */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form || !window.fetch || !window.VoucherCodes) { return; }
  var input = document.getElementById("code");
  var outcome = document.getElementById("outcome");
  var today = document.getElementById("today");
  var scanId = form.querySelector("input[name=scan_id]");
  var csrf = form.querySelector("input[name=csrf_token]");
  var theme = document.getElementById("theme");
  var photoForm = document.getElementById("photo-form");
  var busy = false;
  var TIMEOUT_MS = 15000;

  function newScanId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function focusCode() { input.focus(); }
  function fromTemplate(id) { outcome.innerHTML = document.getElementById(id).innerHTML; }
  function showProblem(title) {
    fromTemplate("problem-template");
    outcome.querySelector(".outcome-reason").textContent = title || "";
  }
  function setCsrf(token) {
    if (!token) { return; }
    document.querySelectorAll("input[name=csrf_token]").forEach(function (el) { el.value = token; });
  }

  scanId.value = newScanId();

  /* "Code mal saisi" at once: as soon as a code typed by hand has all its characters and
     its check digit is wrong, before Enter; correcting it brings the previous outcome back.
     A scanner's keystrokes are shorter than a code until the last one, so they never trip it. */
  var beforeTypo = null;
  function showMistyped(digits) {
    if (beforeTypo === null) { beforeTypo = outcome.innerHTML; }
    fromTemplate("mistyped-template");
    var length = window.VoucherCodes.lengthProblem(digits || "");
    if (length) { outcome.querySelector(".outcome-reason").textContent = length; }
  }
  /* A new scan starts with its first character: the previous result goes at once, so a
     receptionist never reads the last voucher's "Accepté" as this one's. */
  var idle = outcome.innerHTML;
  var readyTemplate = document.getElementById("reading-template");
  input.addEventListener("input", function () {
    if (input.value.length > 0 && outcome.getAttribute("data-shown") !== "reading") {
      beforeTypo = null;
      outcome.innerHTML = readyTemplate ? readyTemplate.innerHTML : idle;
      outcome.setAttribute("data-shown", "reading");
    }
    var digits = window.VoucherCodes.normalise(input.value);
    var wrong = digits.length >= window.VoucherCodes.CODE_LENGTH && !window.VoucherCodes.isValid(digits);
    if (wrong) {
      if (beforeTypo === null) { showMistyped(digits); }
    } else if (beforeTypo !== null) {
      outcome.innerHTML = beforeTypo;
      beforeTypo = null;
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }                      /* double Enter while the first is on its way */
    var digits = window.VoucherCodes.normalise(input.value);
    if (!digits) { focusCode(); return; }
    if (!window.VoucherCodes.isValid(digits)) { /* caught here: no request at all */
      showMistyped(digits);
      input.select();
      return;
    }
    busy = true;
    form.setAttribute("aria-busy", "true");
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"X-Desk": "fetch", "Accept": "application/json"},
                        signal: controller ? controller.signal : undefined})
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/connexion") >= 0) {
          window.location.assign(response.url);   /* signed out meanwhile: sign in again */
          return null;
        }
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") < 0) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        if (!data.outcome) {                      /* refused before the scan (token, rate limit) */
          showProblem(data.title);
          refreshToken();
          return;
        }
        beforeTypo = null;
        outcome.innerHTML = data.outcome;
        outcome.removeAttribute("data-shown");
        if (outcome.scrollIntoView) { outcome.scrollIntoView({block: "nearest"}); }
        today.innerHTML = data.today;
        setCsrf(data.csrf);
        scanId.value = newScanId();              /* answered: the next scan is a new one */
        input.value = "";
      })
      .catch(function () { fromTemplate("network-template"); })  /* same code, same id: retry is safe */
      .then(function () {
        if (timer) { clearTimeout(timer); }
        busy = false;
        form.removeAttribute("aria-busy");
        focusCode();
      });
  });

  /* A scanner types into whatever has focus (a link, the "refus" summary, a button, the
     theme list): its characters are taken back into the code field, and the Enter that ends
     the burst sends the scan instead of following the link or opening the summary. Only the
     space bar keeps its meaning on a button or a summary (codes are never scanned with spaces). */
  var strayed = false;
  function typingElsewhere(el) {
    if (!el || el === input) { return false; }
    return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "file"
      && el.type !== "hidden" && el.type !== "checkbox" && el.type !== "radio");
  }
  document.addEventListener("keydown", function (event) {
    var el = document.activeElement;
    if (el === input || typingElsewhere(el) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Enter" && strayed && input.value) {
      event.preventDefault();
      strayed = false;
      focusCode();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", {cancelable: true}));
      return;
    }
    if (!event.key || event.key.length !== 1 || event.key === " ") { return; }
    event.preventDefault();
    if (!strayed) { input.value = ""; }
    strayed = true;
    focusCode();
    input.value += event.key;
    input.dispatchEvent(new Event("input", {bubbles: true}));
  }, true);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { strayed = false; }
  });

  theme.addEventListener("change", function () {
    if (photoForm) { photoForm.querySelector("input[name=theme]").value = theme.value; }
    focusCode();
  });
  document.getElementById("autonomy").addEventListener("change", focusCode);

  /* Tokens expire: refresh the form's token while the page stays open all day. */
  function refreshToken() {
    fetch(form.getAttribute("data-token-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { setCsrf(data.csrf); } })
      .catch(function () { /* offline for now: the next refresh will try again */ });
  }
  setInterval(refreshToken, 20 * 60 * 1000);

  /* Camera (phones): the self-hosted barcode-detector polyfill, loaded only when asked. */
  var camera = document.getElementById("camera");
  if (camera && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    camera.hidden = false;
    var start = document.getElementById("camera-start");
    var stop = document.getElementById("camera-stop");
    var video = document.getElementById("camera-video");
    var status = document.getElementById("camera-status");
    var stream = null;
    var looking = false;

    function loadDetector() {
      if ("BarcodeDetector" in window) { return Promise.resolve(window.BarcodeDetector); }
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = camera.getAttribute("data-script");
        script.onload = function () {
          var api = window.BarcodeDetectionAPI;
          var wasm = camera.getAttribute("data-wasm");
          api.prepareZXingModule({overrides: {locateFile: function (path, prefix) {
            return path.endsWith(".wasm") ? wasm : prefix + path;
          }}});
          resolve(api.BarcodeDetector);
        };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    function halt() {
      looking = false;
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      video.hidden = true; stop.hidden = true; start.hidden = false;
    }
    start.addEventListener("click", function () {
      status.textContent = "Ouverture de la caméra…";
      loadDetector().then(function (Detector) {
        var detector = new Detector({formats: ["code_128", "qr_code"]});
        return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (s) {
          stream = s; video.srcObject = s; video.hidden = false; stop.hidden = false; start.hidden = true;
          looking = true;
          status.textContent = "Visez le code-barres du chèque.";
          return video.play().then(function () { look(detector); });
        });
      }).catch(function () {
        status.textContent = "Caméra indisponible : utilisez la photo ci-dessous ou tapez le code.";
        halt();
      });
    });
    stop.addEventListener("click", function () { halt(); status.textContent = ""; focusCode(); });
    function look(detector) {
      if (!looking) { return; }
      detector.detect(video).then(function (found) {
        var hit = found.map(function (b) { return b.rawValue; }).filter(function (text) {
          return window.VoucherCodes.isValid(window.VoucherCodes.normalise(text));
        })[0];
        if (hit) {
          halt();
          status.textContent = "Code lu.";
          input.value = hit;
          form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", {cancelable: true}));
        } else {
          setTimeout(function () { look(detector); }, 250);
        }
      }).catch(function () { setTimeout(function () { look(detector); }, 500); });
    }
  }

  if (photoForm) {
    photoForm.querySelector("input[name=scan_id]").value = newScanId();  /* once: a double submit replays */
    photoForm.addEventListener("submit", function () {
      photoForm.querySelector("input[name=theme]").value = theme.value;
    });
  }
  focusCode();
})();
