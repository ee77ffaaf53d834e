/* Forms as the GOV.UK design system does them: the server checks everything and answers
   with an error summary; this file only moves the focus to that summary (so it is read
   out), marks a field the page did not mark itself, and leaves validation to the server
   (no browser bubbles that screen readers miss and that differ from the summary). */
(function () {
  "use strict";
  document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
    form.noValidate = true;
  });
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  (summary.getAttribute("data-fields") || "").split(" ").forEach(function (name, i) {
    if (!name) { return; }
    var field = document.getElementById(name) || document.querySelector("[name='" + name + "']");
    if (!field || field.getAttribute("aria-invalid")) { return; }
    field.setAttribute("aria-invalid", "true");
    var link = summary.querySelectorAll("a")[i];
    var message = document.createElement("p");
    message.className = "error-message";
    message.id = name + "-error";
    message.textContent = link ? link.textContent : "";
    field.parentNode.insertBefore(message, field);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + message.id);
  });
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
})();

// A "print" button (the carnet's letter): no inline handler, the CSP forbids them.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
