/* Hand-out form: the commune search answers as one types (the same search as the
   "Chercher" button, which works without JavaScript). */
(function () {
  "use strict";
  var input = document.getElementById("commune_q");
  var select = document.getElementById("commune_insee");
  if (!input || !select || !window.fetch) { return; }
  var timer = null;
  var asked = 0;
  function fill(found) {
    var keep = select.value;
    select.textContent = "";
    var blank = document.createElement("option");
    blank.value = "";
    blank.textContent = found.length ? "— choisir —" : "— aucune commune trouvée —";
    select.appendChild(blank);
    found.forEach(function (c) {
      var o = document.createElement("option");
      o.value = c.code;
      o.textContent = c.label;
      select.appendChild(o);
    });
    if (found.length === 1) { select.value = found[0].code; }
    else if (keep) { select.value = keep; }
  }
  function search() {
    var text = input.value.trim();
    if (text.length < 2) { return; }
    var mine = ++asked;
    fetch(input.dataset.url + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (found) { if (mine === asked) { fill(found); } })
      .catch(function () { /* the button still works */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); search(); select.focus(); }
  });
})();
