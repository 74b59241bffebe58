// Question editor in the Wagtail admin: show only the sections the chosen type uses,
// and preview the stem (rendered in a sandboxed iframe: no scripts run).
(function () {
  "use strict";
  // Which answer fields each type uses, and how its 答案设置 is written: from the type select (exams.qtypes).
  var ALL = ["option_A", "truefalse_answer", "accepted_answers", "answer_spec"];
  var HTML_RE = /<\/?(p|br|div|span|b|strong|i|em|u|s|sub|sup|ol|ul|li|a|img|table|thead|tbody|tr|th|td|h[1-6]|pre|code|blockquote|hr)(\s[^<>]*)?\/?>/i;

  function section(name) {
    var field = document.getElementById("id_" + name);
    return field ? field.closest("section.w-panel") || field.closest("[data-field-wrapper]") : null;
  }

  function json(select, name) {
    try { return JSON.parse(select.getAttribute(name) || "{}"); } catch (e) { return {}; }
  }

  function applyType(select) {
    var wanted = json(select, "data-editor-fields")[select.value] || ALL;
    ALL.forEach(function (name) {
      var el = section(name);
      if (el) el.hidden = wanted.indexOf(name) === -1;
    });
    var spec = document.getElementById("id_answer_spec");
    if (!spec) return;
    var help = document.getElementById("answer-spec-help");
    if (!help) {
      help = document.createElement("pre");
      help.id = "answer-spec-help";
      help.className = "help";
      help.style.cssText = "white-space:pre-wrap;font:inherit;margin:.5rem 0 0";
      spec.insertAdjacentElement("afterend", help);
    }
    help.textContent = json(select, "data-editor-help")[select.value] || "";
  }

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML.replace(/\n/g, "<br>");
  }

  function setupPreview(textarea) {
    var frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "");
    frame.setAttribute("title", "题干预览");
    frame.className = "exams-stem-preview";
    frame.style.cssText = "width:100%;min-height:6rem;border:1px dashed #ccc;border-radius:4px;margin-top:.5rem;background:#fff";
    textarea.insertAdjacentElement("afterend", frame);
    function render() {
      var value = textarea.value;
      var body = HTML_RE.test(value) ? value : escapeText(value);
      frame.srcdoc = '<!doctype html><meta charset="utf-8"><style>body{font:15px/1.6 system-ui,sans-serif;margin:.5rem}img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}</style>' + body;
    }
    textarea.addEventListener("input", render);
    render();
  }

  function init() {
    var select = document.getElementById("id_type");
    if (select) {
      applyType(select);
      select.addEventListener("change", function () { applyType(select); });
    }
    var stem = document.getElementById("id_stem");
    if (stem) setupPreview(stem);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
