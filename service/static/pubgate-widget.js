/*
 * pubgate-widget.js: a 「发布前检查」 button for any editor, no build step, no framework.
 *
 *   <script src="https://pubgate.example.gov.cn/static/pubgate-widget.js" defer></script>
 *   <textarea data-pubgate name="body"></textarea>            (a plain textarea)
 *   <div contenteditable data-pubgate>…</div>                  (any contenteditable editor)
 *   <textarea id="body" data-pubgate></textarea> + TinyMCE     (found through tinymce.get(id))
 *
 * The body is sent as plain text to POST /api/v1/check on the server the script came from
 * (or data-pubgate-api on the script tag). The widget builds that text itself, block elements
 * separated by a newline, so the report's code-point offsets map straight back onto the DOM.
 * Optional attributes on the element: data-pubgate-title="#css-selector" (an input holding the
 * title), data-pubgate-doc-type, data-pubgate-channel.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var API = (script && script.getAttribute("data-pubgate-api")) ||
    (script && script.src ? new URL("/api/v1/check", script.src).href : "/api/v1/check");
  var CATEGORY = {
    typo: "错别字", severe_misstatement: "严重表述错误", banned_expression: "禁用词、慎用词、不当用语",
    outdated_expression: "过时表述", interpretation_link: "政策解读关联", commercial_link: "商业广告、商业链接",
    personal_data: "个人信息泄露", dating: "发稿日期", secret_marking: "涉密标识", placeholder: "占位符未填充",
    voice: "主体口吻未转换", vague_expression: "表述含糊", format: "格式规范"
  };
  var SEVERITY = { block: "阻断", warn: "警告", info: "提示" };
  var BLOCK = /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|DD|DIV|DL|DT|FIGCAPTION|FIGURE|FOOTER|FORM|H[1-6]|HEADER|HR|LI|MAIN|NAV|OL|P|PRE|SECTION|TABLE|TR|TD|TH|UL)$/;
  var CSS =
    "mark.pubgate-mark{background:#ffe08a;color:inherit;border-bottom:2px solid #d48806;padding:0}" +
    "mark.pubgate-mark[data-severity=block]{background:#ffccc7;border-bottom-color:#cf1322}" +
    "mark.pubgate-mark.pubgate-active{outline:2px solid #1677ff}";
  var PANEL_CSS = CSS +
    ".pubgate-panel{font:14px/1.6 system-ui,sans-serif;margin:6px 0}" +
    ".pubgate-panel button{font:inherit;cursor:pointer;margin-right:4px}" +
    ".pubgate-status{margin-left:8px;color:#555}" +
    ".pubgate-list{margin:6px 0;padding-left:20px}.pubgate-list li{margin:4px 0}" +
    ".pubgate-list .pubgate-cat{font-weight:bold}" +
    ".pubgate-list li[data-severity=block] .pubgate-cat{color:#cf1322}" +
    ".pubgate-wrap{position:relative}" +
    ".pubgate-backdrop{position:absolute;top:0;left:0;overflow:hidden;pointer-events:none;color:transparent;" +
    "white-space:pre-wrap;overflow-wrap:break-word;box-sizing:border-box}" +
    ".pubgate-backdrop mark{color:transparent}" +
    "textarea.pubgate-over{position:relative;z-index:1;background:transparent!important}";

  function addStyle(doc, css, id) {
    if (doc.getElementById(id)) return;
    var style = doc.createElement("style");
    style.id = id;
    style.textContent = css;
    (doc.head || doc.documentElement).appendChild(style);
  }

  // Offsets in the report are Unicode code points; JavaScript strings index UTF-16 units.
  function unitIndex(text, codePoints) {
    var units = 0;
    for (var cp = 0; cp < codePoints && units < text.length; cp++) {
      var c = text.charCodeAt(units);
      units += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
    return units;
  }

  // The plain text of an editable root and where each text node starts in it.
  function textModel(root) {
    var text = "", nodes = [];
    function newline() { if (text && text[text.length - 1] !== "\n") text += "\n"; }
    (function walk(node) {
      for (var child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) {
          nodes.push({ node: child, start: text.length });
          text += child.data;
        } else if (child.nodeType === 1) {
          if (child.nodeName === "BR") { text += "\n"; continue; }
          if (child.getAttribute("data-mce-bogus") === "all") continue;
          var block = BLOCK.test(child.nodeName);
          if (block) newline();
          walk(child);
          if (block) newline();
        }
      }
    })(root);
    return { text: text, nodes: nodes };
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }

  function Widget(element) {
    this.element = element;
    this.findings = [];
    var doc = element.ownerDocument;
    addStyle(doc, PANEL_CSS, "pubgate-widget-style");
    this.panel = doc.createElement("div");
    this.panel.className = "pubgate-panel";
    this.panel.innerHTML = '<button type="button" class="pubgate-check">发布前检查</button>' +
      '<span class="pubgate-status" role="status"></span><ol class="pubgate-list"></ol>';
    if (element.id) this.panel.setAttribute("data-pubgate-for", element.id);
    element.parentNode.insertBefore(this.panel, element.nextSibling);
    this.status = this.panel.querySelector(".pubgate-status");
    this.list = this.panel.querySelector(".pubgate-list");
    var self = this;
    this.panel.querySelector(".pubgate-check").addEventListener("click", function () { self.check(); });
    this.list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-act]");
      if (button) self[button.getAttribute("data-act")](button.closest("li").getAttribute("data-pubgate-id"));
    });
    var form = element.closest && element.closest("form");
    if (form) form.addEventListener("submit", function () { self.clear(); }, true);
  }

  // Which editor this is, decided at check time (TinyMCE may initialise after this script).
  Widget.prototype.mode = function () {
    var el = this.element;
    var tiny = window.tinymce && el.id && window.tinymce.get(el.id);
    if (tiny && tiny.initialized) {
      addStyle(tiny.getDoc(), CSS, "pubgate-widget-style");
      return { kind: "dom", root: tiny.getBody(), editor: tiny };
    }
    if (el.nodeName === "TEXTAREA" || el.nodeName === "INPUT") return { kind: "textarea" };
    return { kind: "dom", root: el };
  };

  Widget.prototype.draft = function (mode) {
    var el = this.element;
    var body = mode.kind === "textarea" ? el.value : textModel(mode.root).text;
    var draft = { body: body, format: "text" };
    var titleSelector = el.getAttribute("data-pubgate-title");
    var title = titleSelector && document.querySelector(titleSelector);
    if (title) draft.title = title.value || title.textContent || "";
    if (el.getAttribute("data-pubgate-doc-type")) draft.doc_type = el.getAttribute("data-pubgate-doc-type");
    if (el.getAttribute("data-pubgate-channel")) draft.channel = el.getAttribute("data-pubgate-channel");
    return draft;
  };

  Widget.prototype.check = function () {
    var self = this;
    this.clear();
    var mode = this.mode();
    var draft = this.draft(mode);
    this.status.textContent = "正在检查……";
    return fetch(API, {
      method: "POST", headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify(draft), credentials: "omit"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || data.title || ("HTTP " + response.status));
        return data;
      });
    }).then(function (report) {
      self.show(mode, draft, report.findings || []);
    }).catch(function (error) {
      self.status.textContent = "检查服务不可用：" + error.message;
    });
  };

  Widget.prototype.show = function (mode, draft, findings) {
    var self = this;
    this.findings = findings.map(function (f, i) {
      var item = Object.assign({ id: "f" + i }, f);
      if (f.field === "body" && f.start !== null && f.end !== null) {
        item.from = unitIndex(draft.body, f.start);
        item.to = unitIndex(draft.body, f.end);
      }
      return item;
    });
    this.status.textContent = findings.length ? "发现 " + findings.length + " 个问题" : "未发现问题";
    this.list.innerHTML = this.findings.map(function (f) {
      var quoted = f.text && f.message.indexOf(f.text) < 0 ? "「" + escapeHtml(f.text) + "」" : "";
      return '<li data-pubgate-id="' + f.id + '" data-severity="' + escapeHtml(f.severity) + '">' +
        '<span class="pubgate-cat">[' + (SEVERITY[f.severity] || f.severity) + "·" +
        (CATEGORY[f.category] || f.category) + "]</span>" + quoted + escapeHtml(f.message) +
        (f.suggestion ? " 建议改为「" + escapeHtml(f.suggestion) + "」" : "") +
        (f.suggestion && f.from !== undefined ? ' <button type="button" data-act="accept">采纳</button>' : "") +
        ' <button type="button" data-act="ignore">忽略</button></li>';
    }).join("");
    if (mode.kind === "textarea") this.renderBackdrop();
    else this.markDom(mode);
  };

  // contenteditable and TinyMCE: wrap each span in <mark>, last first so earlier offsets stay valid.
  Widget.prototype.markDom = function (mode) {
    var model = textModel(mode.root);
    var doc = mode.root.ownerDocument;
    var spans = this.findings.filter(function (f) { return f.from !== undefined; })
      .sort(function (a, b) { return b.from - a.from; });
    var floor = Infinity;
    spans.forEach(function (f) {
      if (f.to > floor) return; // overlaps a span already marked
      floor = f.from;
      model.nodes.slice().reverse().forEach(function (entry) {
        var start = Math.max(f.from, entry.start), end = Math.min(f.to, entry.start + entry.node.data.length);
        if (start >= end) return;
        var range = doc.createRange();
        range.setStart(entry.node, start - entry.start);
        range.setEnd(entry.node, end - entry.start);
        var mark = doc.createElement("mark");
        mark.className = "pubgate-mark";
        mark.setAttribute("data-pubgate-id", f.id);
        mark.setAttribute("data-severity", f.severity);
        mark.setAttribute("data-mce-bogus", "1"); // TinyMCE leaves it out of the saved content
        range.surroundContents(mark);
      });
    });
    this.mode_ = mode;
  };

  // A textarea cannot hold markup: a backdrop with the same text and box sits behind it.
  Widget.prototype.renderBackdrop = function () {
    var el = this.element, doc = el.ownerDocument;
    if (!this.backdrop) {
      var wrap = doc.createElement("div");
      wrap.className = "pubgate-wrap";
      el.parentNode.insertBefore(wrap, el);
      wrap.appendChild(el);
      this.backdrop = doc.createElement("div");
      this.backdrop.className = "pubgate-backdrop";
      wrap.insertBefore(this.backdrop, el);
      el.classList.add("pubgate-over");
      var self = this;
      el.addEventListener("scroll", function () { self.backdrop.scrollTop = el.scrollTop; });
      el.addEventListener("input", function () { if (!self.applying) self.clear(); });
    }
    var style = getComputedStyle(el);
    ["fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing", "paddingTop", "paddingRight",
      "paddingBottom", "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth",
      "borderLeftWidth", "textAlign"].forEach(function (p) { this.backdrop.style[p] = style[p]; }, this);
    this.backdrop.style.borderStyle = "solid";
    this.backdrop.style.borderColor = "transparent";
    this.backdrop.style.width = el.offsetWidth + "px";
    this.backdrop.style.height = el.offsetHeight + "px";
    var text = el.value, html = "", at = 0;
    this.findings.filter(function (f) { return f.from !== undefined && !f.done; })
      .sort(function (a, b) { return a.from - b.from; })
      .forEach(function (f) {
        if (f.from < at) return;
        html += escapeHtml(text.slice(at, f.from)) + '<mark class="pubgate-mark" data-pubgate-id="' + f.id +
          '" data-severity="' + escapeHtml(f.severity) + '">' + escapeHtml(text.slice(f.from, f.to)) + "</mark>";
        at = f.to;
      });
    this.backdrop.innerHTML = html + escapeHtml(text.slice(at)) + "\n";
    this.backdrop.scrollTop = el.scrollTop;
  };

  Widget.prototype.find = function (id) {
    return this.findings.filter(function (f) { return f.id === id; })[0];
  };

  Widget.prototype.marks = function (id) {
    var root = this.mode_ ? this.mode_.root : this.backdrop;
    return root ? Array.prototype.slice.call(root.querySelectorAll('mark.pubgate-mark[data-pubgate-id="' + id + '"]')) : [];
  };

  Widget.prototype.unwrap = function (mark) {
    var parent = mark.parentNode;
    while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
    parent.removeChild(mark);
    parent.normalize();
  };

  Widget.prototype.accept = function (id) {
    var f = this.find(id);
    if (!f || f.done) return;
    if (this.mode_) {
      var marks = this.marks(id);
      if (!marks.length) return;
      marks[0].textContent = f.suggestion;
      for (var i = 1; i < marks.length; i++) marks[i].parentNode.removeChild(marks[i]);
      this.unwrap(marks[0]);
      this.changed();
    } else {
      var el = this.element, delta = f.suggestion.length - (f.to - f.from);
      this.applying = true;
      el.value = el.value.slice(0, f.from) + f.suggestion + el.value.slice(f.to);
      el.dispatchEvent(new Event("input", { bubbles: true }));
      this.applying = false;
      this.findings.forEach(function (other) {
        if (other !== f && other.from !== undefined && other.from >= f.to) { other.from += delta; other.to += delta; }
      });
      f.done = true;
      this.renderBackdrop();
    }
    this.resolve(id, "已采纳");
  };

  Widget.prototype.ignore = function (id) {
    var f = this.find(id);
    if (!f || f.done) return;
    if (this.mode_) this.marks(id).forEach(this.unwrap);
    f.done = true;
    if (!this.mode_ && this.backdrop) this.renderBackdrop();
    this.resolve(id, "已忽略");
  };

  Widget.prototype.resolve = function (id, label) {
    var f = this.find(id);
    f.done = true;
    var item = this.list.querySelector('li[data-pubgate-id="' + id + '"]');
    if (item) {
      item.setAttribute("data-resolved", label);
      item.style.opacity = "0.5";
      Array.prototype.forEach.call(item.querySelectorAll("button"), function (b) { b.remove(); });
      item.appendChild(document.createTextNode(" （" + label + "）"));
    }
  };

  // Tell the editor its content changed, so it saves what the reader now sees.
  Widget.prototype.changed = function () {
    var mode = this.mode_;
    if (mode.editor) {
      mode.editor.undoManager.add();
      mode.editor.setDirty(true);
      mode.editor.save();
    } else {
      mode.root.dispatchEvent(new Event("input", { bubbles: true }));
    }
  };

  // Remove every highlight (before a new check, and before the form is submitted).
  Widget.prototype.clear = function () {
    var self = this;
    if (this.mode_) {
      Array.prototype.forEach.call(this.mode_.root.querySelectorAll("mark.pubgate-mark"), function (m) { self.unwrap(m); });
      this.mode_ = null;
    }
    if (this.backdrop) this.backdrop.innerHTML = "";
    this.findings = [];
    this.list.innerHTML = "";
  };

  function attach(element) {
    if (!element.pubgateWidget) element.pubgateWidget = new Widget(element);
    return element.pubgateWidget;
  }

  function attachAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-pubgate]"), attach);
  }

  window.PubgateWidget = { attach: attach, attachAll: attachAll, api: API };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attachAll);
  else attachAll();
})();
