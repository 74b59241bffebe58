// Searchable pickers of units and people (accounts/pickers.py draws them; templates/accounts/widgets/picker.html).
//
// Without this script a picker still works: its chips are ticked checkboxes (untick to remove) and
// its search box is a text box for 工号 or unit codes, added on saving. With it, the box becomes a
// combobox that asks the server as one types (debounced; /accounts/pickers/…), the list is a
// listbox driven from the keyboard (↑ ↓ Enter Esc, aria-activedescendant), and chips get a remove
// button. Chosen values stay ticked checkboxes named like the field, so the form posts what it
// always posted. Texts come from the widget's data-text-* attributes (translated on the server);
// results are written with textContent only. No inline handlers: the site's CSP refuses them.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;

  function Picker(root) {
    this.root = root;
    this.name = root.getAttribute("data-name");
    this.url = root.getAttribute("data-url");
    this.valueKey = root.getAttribute("data-value-key");
    this.minChars = parseInt(root.getAttribute("data-min-chars") || "0", 10);
    this.chips = root.querySelector("[data-picker-chips]");
    this.none = root.querySelector("[data-picker-none]");
    this.input = root.querySelector("[data-picker-input]");
    this.list = root.querySelector("[data-picker-results]");
    this.message = root.querySelector("[data-picker-message]");
    this.status = root.querySelector("[data-picker-status]");
    this.help = root.querySelector("[data-picker-help]");
    this.items = [];
    this.active = -1;
    this.query = null;
    this.page = 1;
    this.hasMore = false;
    this.seq = 0;
    this.timer = null;
    this.request = null;
    this.composing = false;
    this.enhance();
  }

  Picker.prototype.text = function (key) {
    return this.root.getAttribute("data-text-" + key) || "";
  };

  Picker.prototype.enhance = function () {
    var self = this;
    var input = this.input;
    this.root.classList.add("picker-ready");
    // Typed text is for searching now; only the chips' checkboxes are posted.
    input.removeAttribute("name");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.list.id);
    input.setAttribute("placeholder", input.getAttribute("data-js-placeholder") || "");
    if (this.help) { this.help.textContent = this.help.getAttribute("data-js-help"); }
    Array.prototype.forEach.call(this.chips.querySelectorAll("li"), function (chip) { self.enhanceChip(chip); });
    this.updateNone();

    input.addEventListener("compositionstart", function () { self.composing = true; });
    input.addEventListener("compositionend", function () { self.composing = false; self.schedule(); });
    input.addEventListener("input", function (event) {
      if (self.composing || event.isComposing) { return; }
      self.schedule();
    });
    input.addEventListener("keydown", function (event) { self.onKey(event); });
    input.addEventListener("focus", function () {
      if (self.minChars > 0 || input.value.trim()) { return; }
      if (self.query === "" && self.items.length) { self.open(); } else { self.search("", 1); }
    });
    input.addEventListener("blur", function () { self.close(); });
    // Choosing with the mouse or a finger must not take the focus from the box first.
    this.list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { self.choose(Array.prototype.indexOf.call(self.list.children, option)); }
    });
  };

  Picker.prototype.enhanceChip = function (chip) {
    var self = this;
    var box = chip.querySelector("input[type=checkbox]");
    if (!box || !box.checked) { chip.remove(); return; }
    box.hidden = true;
    box.tabIndex = -1;
    var label = chip.querySelector(".picker-chip-label");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "picker-chip-remove";
    button.textContent = "×";
    button.setAttribute("aria-label", this.text("remove") + " " + (label ? label.textContent : box.value));
    button.addEventListener("click", function () { self.remove(chip); });
    chip.appendChild(button);
  };

  Picker.prototype.chipFor = function (value) {
    var boxes = this.chips.querySelectorAll("input[type=checkbox]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].value === value) { return boxes[i].closest("li"); }
    }
    return null;
  };

  Picker.prototype.updateNone = function () {
    if (this.none) { this.none.hidden = this.chips.children.length > 0; }
  };

  Picker.prototype.announce = function (message) {
    this.status.textContent = "";
    var status = this.status;
    window.setTimeout(function () { status.textContent = message; }, 30);
  };

  Picker.prototype.showMessage = function (message) {
    this.message.textContent = message || "";
    this.message.hidden = !message;
  };

  Picker.prototype.add = function (item) {
    var value = String(item[this.valueKey]);
    if (this.chipFor(value)) {
      this.announce(this.text("already") + item.label);
      return;
    }
    var chip = document.createElement("li");
    chip.className = "picker-chip";
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = this.name;
    box.value = value;
    box.checked = true;
    var name = document.createElement("span");
    name.className = "picker-chip-label";
    name.textContent = item.label;
    label.appendChild(box);
    label.appendChild(name);
    if (item.detail) {
      var detail = document.createElement("span");
      detail.className = "picker-chip-detail";
      detail.textContent = item.detail;
      label.appendChild(detail);
    }
    chip.appendChild(label);
    this.chips.appendChild(chip);
    this.enhanceChip(chip);
    this.updateNone();
    box.dispatchEvent(new Event("change", { bubbles: true }));  // Wagtail's unsaved-changes check listens
    this.announce(this.text("added") + item.label);
  };

  Picker.prototype.remove = function (chip) {
    var next = chip.nextElementSibling || chip.previousElementSibling;
    var label = chip.querySelector(".picker-chip-label");
    chip.remove();
    this.updateNone();
    this.markChosen();
    this.root.dispatchEvent(new Event("change", { bubbles: true }));
    this.announce(this.text("removed") + (label ? label.textContent : ""));
    var focus = next && next.querySelector(".picker-chip-remove");
    (focus || this.input).focus();
  };

  Picker.prototype.schedule = function () {
    var self = this;
    var query = this.input.value.trim();
    window.clearTimeout(this.timer);
    if (query.length < this.minChars) {
      this.cancel();
      this.close();
      this.showMessage("");
      return;
    }
    this.timer = window.setTimeout(function () { self.search(query, 1); }, DEBOUNCE_MS);
  };

  Picker.prototype.cancel = function () {
    this.seq += 1;
    if (this.request) { this.request.abort(); this.request = null; }
  };

  Picker.prototype.search = function (query, page) {
    var self = this;
    this.cancel();
    var seq = this.seq;
    this.request = typeof AbortController === "function" ? new AbortController() : null;
    var url = this.url + "?q=" + encodeURIComponent(query) + "&page=" + page;
    this.root.setAttribute("aria-busy", "true");
    if (page === 1) { this.showMessage(this.text("loading")); }
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: this.request ? this.request.signal : undefined,
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        if (seq !== self.seq) { return; }
        self.root.removeAttribute("aria-busy");
        if (!answer.ok || !answer.data.ok) {
          self.close();
          self.showMessage((answer.data && answer.data.error) || self.text("error"));
          return;
        }
        self.query = query;
        self.page = answer.data.page;
        self.hasMore = answer.data.has_more;
        self.render(answer.data.results, page > 1);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        if (seq !== self.seq) { return; }
        self.root.removeAttribute("aria-busy");
        self.close();
        self.showMessage(self.text("error"));
      });
  };

  Picker.prototype.render = function (results, append) {
    var self = this;
    var keep = this.active;
    var more = this.list.querySelector("[data-more]");
    if (more) { more.remove(); }
    if (!append) {
      this.items = [];
      this.list.textContent = "";
      keep = -1;
    }
    results.forEach(function (item) {
      var option = document.createElement("li");
      option.setAttribute("role", "option");
      option.id = self.list.id + "-" + self.items.length;
      option.className = "picker-option";
      var label = document.createElement("span");
      label.className = "picker-option-label";
      label.textContent = item.label;
      option.appendChild(label);
      if (item.detail) {
        var detail = document.createElement("span");
        detail.className = "picker-option-detail";
        detail.textContent = item.detail;
        option.appendChild(detail);
      }
      self.items.push(item);
      self.list.appendChild(option);
    });
    if (this.hasMore) {
      var next = document.createElement("li");
      next.setAttribute("role", "option");
      next.setAttribute("data-more", "");
      next.id = this.list.id + "-more";
      next.className = "picker-option picker-more";
      next.textContent = this.text("more");
      this.list.appendChild(next);
    }
    this.markChosen();
    if (!this.items.length) {
      this.close();
      this.showMessage(this.text("none-found"));
      this.announce(this.text("none-found"));
      return;
    }
    this.showMessage("");
    this.open();
    this.setActive(keep >= 0 ? Math.min(keep, this.list.children.length - 1) : -1);
    var count = this.text("count").replace("{n}", String(this.items.length));
    this.announce(this.hasMore ? count + " " + this.text("has-more") : count);
  };

  Picker.prototype.markChosen = function () {
    var self = this;
    Array.prototype.forEach.call(this.list.children, function (option, index) {
      if (option.hasAttribute("data-more")) { return; }
      var chosen = !!self.chipFor(String(self.items[index][self.valueKey]));
      option.setAttribute("aria-selected", chosen ? "true" : "false");
      option.classList.toggle("is-chosen", chosen);
      var mark = option.querySelector(".picker-option-chosen");
      if (chosen && !mark) {
        mark = document.createElement("span");
        mark.className = "picker-option-chosen";
        mark.textContent = self.text("chosen");
        option.insertBefore(mark, option.firstChild);
      } else if (!chosen && mark) {
        mark.remove();
      }
    });
  };

  Picker.prototype.open = function () {
    var wasHidden = this.list.hidden;
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    // A list opening near the bottom of the screen (a phone's keyboard, the admin's footer) scrolls into view.
    if (wasHidden && this.list.scrollIntoView) { this.list.scrollIntoView({ block: "nearest" }); }
  };

  Picker.prototype.close = function () {
    window.clearTimeout(this.timer);
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
  };

  Picker.prototype.setActive = function (index) {
    var options = this.list.children;
    if (this.active >= 0 && options[this.active]) { options[this.active].classList.remove("is-active"); }
    this.active = index;
    if (index >= 0 && options[index]) {
      options[index].classList.add("is-active");
      this.input.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) { options[index].scrollIntoView({ block: "nearest" }); }
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Picker.prototype.choose = function (index) {
    var option = this.list.children[index];
    if (!option) { return; }
    if (option.hasAttribute("data-more")) {
      this.setActive(index);
      this.search(this.query || "", this.page + 1);
      this.input.focus();
      return;
    }
    this.add(this.items[index]);
    this.markChosen();
    this.setActive(index);
  };

  Picker.prototype.onKey = function (event) {
    if (event.isComposing || event.keyCode === 229) { return; }  // the IME is still choosing characters
    var count = this.list.children.length;
    var open = !this.list.hidden;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open) {
          if (count && this.query === this.input.value.trim()) { this.open(); }
          else if (this.input.value.trim().length >= this.minChars) { this.search(this.input.value.trim(), 1); }
          return;
        }
        this.setActive(this.active + 1 >= count ? 0 : this.active + 1);
        break;
      case "ArrowUp":
        if (!open) { return; }
        event.preventDefault();
        this.setActive(this.active <= 0 ? count - 1 : this.active - 1);
        break;
      case "Enter":
        // Enter in the box never submits the form; it chooses the highlighted result.
        event.preventDefault();
        if (open && this.active >= 0) { this.choose(this.active); }
        break;
      case "Escape":
        if (open) { event.preventDefault(); this.close(); }
        else if (this.input.value) { event.preventDefault(); this.input.value = ""; this.showMessage(""); }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  function init(scope) {
    var roots = (scope || document).querySelectorAll("[data-picker]:not(.picker-ready)");
    Array.prototype.forEach.call(roots, function (root) { new Picker(root); });
  }

  window.FazhiPicker = { init: init };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
