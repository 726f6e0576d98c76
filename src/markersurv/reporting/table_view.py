"""A sortable, filterable view of the narrative's tables, inside the page and offline.

Every table the narrative writes from a frame carries the class ``view``. One static script
at the end of the page gives each such table header cells that sort its rows when clicked
(numbers as numbers, text in the reader's collation, ``NA`` last either way; a second click
reverses) and, for tables of more than :data:`FILTER_FROM` rows, a search box that keeps the
rows containing every word typed. The script reads the page only; it holds no data and loads
nothing, so the page stays self-contained.
"""

from __future__ import annotations

# Tables with more rows than this get a filter box.
FILTER_FROM = 10

_SCRIPT = """
(function () {
  "use strict";
  function number(text) {
    var value = text.trim();
    if (value === "" || value === "NA") { return null; }
    var parsed = Number(value.replace(/^</, ""));
    return isFinite(parsed) ? parsed : undefined;
  }
  function compare(a, b, ascending) {
    var x = number(a), y = number(b);
    if (x === null || y === null) { return (x === null) - (y === null); }
    var order = x !== undefined && y !== undefined ? x - y :
      a.localeCompare(b, undefined, {numeric: true});
    return ascending ? order : -order;
  }
  function sortable(table) {
    var body = table.tBodies[0];
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (head, column) {
      head.tabIndex = 0;
      head.title = "Sort by this column";
      head.style.cursor = "pointer";
      function sort() {
        var ascending = head.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (other) {
          other.removeAttribute("aria-sort");
        });
        head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          return compare(r.cells[column].textContent, s.cells[column].textContent, ascending);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      head.addEventListener("click", sort);
      head.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { sort(); }
      });
    });
  }
  function filterable(table) {
    var body = table.tBodies[0];
    var box = document.createElement("input");
    box.type = "search";
    box.className = "filter";
    box.placeholder = "Filter rows (every word must appear)";
    box.setAttribute("aria-label", "Filter the rows of the table below");
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
      Array.prototype.forEach.call(body.rows, function (row) {
        var text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
      });
    });
    table.parentNode.insertBefore(box, table);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.view"), function (table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    sortable(table);
    if (table.tBodies[0].rows.length > FILTER_FROM) { filterable(table); }
  });
})();
"""

SCRIPT = "<script>" + _SCRIPT.replace("FILTER_FROM", str(FILTER_FROM)) + "</script>"

STYLE = (
    "th[aria-sort=ascending]::after{content:' \\25B2'}"
    "th[aria-sort=descending]::after{content:' \\25BC'}"
    "input.filter{margin:.5em 0 0;width:24em;max-width:100%}"
)
