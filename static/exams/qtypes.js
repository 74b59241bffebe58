// How a question's inputs are read and written, by its answer kind (exams.qtypes: data-answer-kind on the section):
// "text" (one typed answer), "choice" (one ticked option), "choices" (ticked options) and "parts" (one value per
// blank, gap, pair or position, in page order). Also the ordering list's move buttons, for every page with questions.
(function () {
  "use strict";

  function kind(section) {
    return section.getAttribute("data-answer-kind") || "choice";
  }

  function partValue(part) {
    var radio = part.querySelector("input[type=radio]");
    if (radio) {
      var checked = part.querySelector("input[type=radio]:checked");
      return checked ? checked.value : "";
    }
    var control = part.querySelector("[data-answer]");
    if (!control || control.disabled) return "";
    return control.value.trim() ? control.value : "";
  }

  function read(section) {
    var k = kind(section);
    if (k === "text") {
      var value = section.querySelector("[data-answer]").value;
      return value.trim() ? value : null;
    }
    if (k === "parts") {
      var values = Array.prototype.map.call(section.querySelectorAll("[data-part]"), partValue);
      return values.some(function (v) { return v !== ""; }) ? values : null;
    }
    var picked = Array.prototype.map.call(section.querySelectorAll("[data-answer]:checked"), function (el) {
      return parseInt(el.value, 10);
    });
    if (k === "choices") return picked.length ? picked : null;
    return picked.length ? picked[0] : null;
  }

  function writePart(part, value) {
    value = value === null || value === undefined ? "" : String(value);
    var radios = part.querySelectorAll("input[type=radio]");
    if (radios.length) {
      Array.prototype.forEach.call(radios, function (el) { el.checked = el.value === value; });
      return;
    }
    var control = part.querySelector("[data-answer]");
    if (control) control.value = value;
  }

  function writeOrdering(list, response) {
    var items = {};
    Array.prototype.forEach.call(list.querySelectorAll("[data-part]"), function (li) {
      items[li.querySelector("[data-answer]").value] = li;
    });
    (response || []).forEach(function (value) {
      var li = items[String(value)];
      if (li) list.appendChild(li);
    });
    enableOrdering(list, !!response);
  }

  function enableOrdering(list, on) {
    Array.prototype.forEach.call(list.querySelectorAll("[data-answer]"), function (el) { el.disabled = !on; });
    list.setAttribute("data-touched", on ? "true" : "false");
    renumber(list);
  }

  // Each position's number, and its input's name (``q<position>-<i>``): a form post (practice, mock papers) reads the
  // order from the names, so the name follows the place the item now stands in.
  function renumber(list) {
    Array.prototype.forEach.call(list.querySelectorAll("[data-part]"), function (li, i) {
      var no = li.querySelector("[data-rank]");
      if (no) no.textContent = String(i + 1);
      var input = li.querySelector("[data-answer]");
      if (input && input.name) input.name = input.name.replace(/-\d+$/, "-" + i);
    });
  }

  function write(section, response) {
    var k = kind(section);
    if (k === "text") {
      section.querySelector("[data-answer]").value = response || "";
      return;
    }
    if (k === "parts") {
      var list = section.querySelector("[data-ordering]");
      if (list) { writeOrdering(list, response); return; }
      var parts = section.querySelectorAll("[data-part]");
      Array.prototype.forEach.call(parts, function (part, i) { writePart(part, response ? response[i] : ""); });
      return;
    }
    var chosen = response === null || response === undefined ? [] : [].concat(response);
    Array.prototype.forEach.call(section.querySelectorAll("[data-answer]"), function (el) {
      el.checked = chosen.indexOf(parseInt(el.value, 10)) !== -1;
    });
  }

  function isText(section) {
    var k = kind(section);
    return k === "text" || (k === "parts" && !!section.querySelector("input[type=text][data-answer]"));
  }

  // Ordering (排序题): ↑/↓ move an item; the order counts as an answer once the learner has moved something.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-move]");
    if (!button || button.disabled) return;
    var li = button.closest("[data-part]");
    var list = li && li.closest("[data-ordering]");
    if (!list) return;
    event.preventDefault();
    var up = button.getAttribute("data-move") === "up";
    var sibling = up ? li.previousElementSibling : li.nextElementSibling;
    if (sibling) list.insertBefore(li, up ? sibling : sibling.nextElementSibling);
    enableOrdering(list, true);
    button.focus();
    list.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // The move buttons and their hint work only with this script: shown by it (without it, <noscript> selects).
  Array.prototype.forEach.call(document.querySelectorAll("[data-ordering-js]"), function (el) { el.hidden = false; });

  window.FazhiAnswers = { read: read, write: write, isText: isText };
})();
