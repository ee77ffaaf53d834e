/* Wide tables on a phone: each table sits in its own box that scrolls sideways, so the
   page itself never does. The box can be reached with the keyboard (tabindex) and is
   announced with the table's caption or heading. */
(function () {
  "use strict";
  document.querySelectorAll("main table").forEach(function (table, i) {
    if (table.parentNode.classList && table.parentNode.classList.contains("table-scroll")) { return; }
    var box = document.createElement("div");
    box.className = "table-scroll";
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    var caption = table.querySelector("caption");
    var section = table.closest("section");
    var heading = section ? section.querySelector("h2, h3") : null;
    var name = (caption && caption.textContent.trim()) || (heading && heading.textContent.trim())
      || "Tableau " + (i + 1);
    box.setAttribute("aria-label", name + " (tableau défilant)");
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  });
})();
