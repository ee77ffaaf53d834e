/* Human widgets for long choices, on top of plain form controls that work without script:
   - a checkbox list with a filter (input.pick-filter[data-filter-for=<list id>]) hides the
     options whose label does not contain the typed text (accents and case ignored) and
     says how many are shown; checked options always stay visible;
   - chips (ul[data-chips-for=<input id>]): typing a label and pressing Enter or « Ajouter »
     adds a checked chip and empties the field; unchecking a chip removes it on submit. */
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  document.querySelectorAll("input.pick-filter[data-filter-for]").forEach(function (filter) {
    var list = document.getElementById(filter.getAttribute("data-filter-for"));
    var count = document.querySelector("[data-count-for='" + list.id + "']");
    function apply() {
      var wanted = fold(filter.value);
      var shown = 0;
      list.querySelectorAll(".check").forEach(function (row) {
        var box = row.querySelector("input");
        var match = !wanted || fold(row.textContent).indexOf(wanted) !== -1 || box.checked;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) { count.textContent = wanted ? shown + " lieu(x) affiché(s)" : ""; }
    }
    filter.addEventListener("input", apply);
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  });

  document.querySelectorAll("ul[data-chips-for]").forEach(function (chips) {
    var input = document.getElementById(chips.getAttribute("data-chips-for"));
    var button = document.querySelector("[data-chip-add='" + input.id + "']");
    var made = 0;
    function add() {
      var name = input.value.trim();
      if (!name) { return; }
      var exists = Array.prototype.some.call(chips.querySelectorAll("input"), function (box) {
        if (box.value === name) { box.checked = true; return true; }
        return false;
      });
      if (!exists) {
        made += 1;
        var item = document.createElement("li");
        item.className = "chip";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "labels";
        box.value = name;
        box.checked = true;
        box.id = "label-new-" + made;
        var label = document.createElement("label");
        label.htmlFor = box.id;
        label.textContent = name;
        item.appendChild(box);
        item.appendChild(label);
        chips.appendChild(item);
      }
      input.value = "";
      input.focus();
    }
    if (button) {
      button.hidden = false;
      button.addEventListener("click", add);
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); add(); }
    });
  });
})();
