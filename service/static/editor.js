/* The draft page as an editor (issue 21): findings beside the text; click one to select its
   text, 采纳 puts the suggestion in its place (only when the suggestion is replacement text),
   忽略 asks for a reason, 重新检查 checks the edited text without leaving the page.
   Plain script, no framework; loaded from /static so the page's CSP (script-src 'self') holds.
   Everything from the draft is put into the page with textContent, never as HTML. */
(function () {
  'use strict';

  var root = document.getElementById('editor');
  if (!root) { return; }
  var form = document.getElementById('editor-form');
  var fields = { title: form.querySelector('input[name=title]'), body: form.querySelector('textarea[name=body]') };
  var list = document.getElementById('editor-findings');
  var count = document.getElementById('findings-count');
  var verdict = document.getElementById('editor-verdict');
  var status = document.getElementById('editor-status');
  var csrf = form.querySelector('input[name=csrf_token]').value;

  var findings = JSON.parse(document.getElementById('findings-data').textContent);
  findings.forEach(function (f) { f.saved = true; });
  var saved = { title: fields.title.value, body: fields.body.value };
  var checkedText = null;   // the text the current findings belong to
  var ignored = {};         // "rule|text" -> reason (kept across re-checks)
  var active = null;

  function say(text, isError) {
    status.textContent = text;
    status.className = 'small ' + (isError ? 'bad' : 'muted');
  }

  function snapshot() { return fields.title.value + '\u0000' + fields.body.value; }
  function dirty() { return fields.title.value !== saved.title || fields.body.value !== saved.body; }
  function ignoreKey(f) { return f.rule + '|' + f.text; }

  /* Where a finding's text is in the field now: its offsets when they still hold, else the
     occurrence nearest to them (an HTML body, or text edited since the check). */
  function locate(f) {
    var el = fields[f.field];
    if (!el || !f.text) { return null; }
    var value = el.value;
    if (f.start !== null && value.substring(f.start, f.end) === f.text) { return [f.start, f.end]; }
    var best = null, at = value.indexOf(f.text);
    while (at !== -1) {
      if (best === null || Math.abs(at - (f.start || 0)) < Math.abs(best - (f.start || 0))) { best = at; }
      at = value.indexOf(f.text, at + 1);
    }
    return best === null ? null : [best, best + f.text.length];
  }

  function scrollToSelection(el, start) {
    if (el.tagName !== 'TEXTAREA') { return; }
    // Measure the line of the selection with a hidden copy of the text before it.
    var before = el.value.substring(0, start);
    var lines = before.split('\n').length - 1;
    var lineHeight = parseFloat(window.getComputedStyle(el).lineHeight) || 24;
    var wraps = Math.floor(before.length / Math.max(20, Math.floor(el.clientWidth / 15)));
    el.scrollTop = Math.max(0, (lines + wraps / 2) * lineHeight - el.clientHeight / 3);
  }

  function select(f, li) {
    var where = locate(f);
    if (active) { active.classList.remove('active'); }
    active = li;
    li.classList.add('active');
    if (!where) {
      say(f.field === 'meta' ? '该问题涉及稿件信息（如发布日期），不对应正文中的文字。' : '正文中已找不到「' + f.text + '」，可能已修改。', !f.field || f.field !== 'meta');
      return;
    }
    var el = fields[f.field];
    el.focus();
    el.setSelectionRange(where[0], where[1]);
    scrollToSelection(el, where[0]);
    say('已选中第 ' + f.n + ' 个问题：「' + f.text + '」。');
  }

  function shift(field, from, delta) {
    findings.forEach(function (g) {
      if (g.field === field && g.start !== null && g.start >= from) { g.start += delta; g.end += delta; }
    });
  }

  function accept(f, li) {
    var where = locate(f);
    if (!where) { say('正文中已找不到「' + f.text + '」，无法替换。', true); return; }
    var el = fields[f.field];
    el.focus();
    el.setRangeText(f.suggestion, where[0], where[1], 'select');
    shift(f.field, where[1], f.suggestion.length - (where[1] - where[0]));
    f.start = null;
    f.done = 'accepted';
    li.classList.add('done');
    setTag(li, '已采纳：改为「' + f.suggestion + '」', 'ok');
    li.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
    say('已将「' + f.text + '」改为「' + f.suggestion + '」。修改完成后请「重新检查」或直接提交新版本。');
  }

  function setTag(li, text, kind) {
    var tag = li.querySelector('.state');
    if (!tag) { tag = el('span', 'tag state'); li.appendChild(tag); }
    tag.className = 'tag state ' + (kind || '');
    tag.textContent = text;
  }

  function post(url, payload) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'Accept': 'application/json' },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error((data.title ? data.title + '：' : '') + (data.detail || ('HTTP ' + response.status))); }
        return data;
      });
    });
  }

  function ignore(f, li, reason) {
    ignored[ignoreKey(f)] = reason;
    li.classList.add('done');
    li.querySelector('.ignore-form').hidden = true;
    if (f.saved && !dirty()) {
      // The saved version's warning: recorded in the audit trail now.
      post(root.dataset.acknowledge, { finding: f.key, reason: reason }).then(function () {
        setTag(li, '已忽略（已记入审核记录）：' + reason, 'ok');
        say('已忽略第 ' + f.n + ' 个问题，理由已记入审核记录。');
      }).catch(function (error) { setTag(li, '忽略未记录：' + error.message, 'bad'); say(error.message, true); });
    } else {
      setTag(li, '已忽略（随新版本记入审核记录）：' + reason, 'ok');
      say('已忽略第 ' + f.n + ' 个问题；理由将在提交新版本时记入审核记录。');
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function button(text, className, onClick) {
    var b = el('button', className, text);
    b.type = 'button';
    b.addEventListener('click', function (event) { event.stopPropagation(); onClick(); });
    return b;
  }

  function item(f) {
    var li = el('li', 'sev-' + f.severity + (f.field === 'meta' ? ' meta' : ''));
    li.id = 'finding-' + f.n;
    li.tabIndex = 0;
    li.appendChild(el('span', 'badge sev-' + f.severity, f.severity_label));
    li.appendChild(el('span', 'cat', f.category_label));
    if (f.text) { li.appendChild(el('q', '', f.text)); }
    li.appendChild(el('span', 'msg', f.message));
    if (f.suggestion && f.replaceable) {
      var s = el('span', 'sugg', '建议改为：');
      s.appendChild(el('b', '', f.suggestion));
      li.appendChild(s);
    } else if (f.suggestion) {
      li.appendChild(el('span', 'advice', '修改建议：' + f.suggestion));
    }
    if (f.note) { li.appendChild(el('span', 'note', '说明：' + f.note)); }
    if (f.basis) { li.appendChild(el('span', 'note', '依据：' + f.basis)); }
    var more = el('details', 'more');
    more.appendChild(el('summary', '', '详情'));
    more.appendChild(el('code', 'rule', f.rule));
    li.appendChild(more);

    var actions = el('div', 'finding-actions');
    if (f.field !== 'meta' && f.text) { actions.appendChild(button('定位', 'small', function () { select(f, li); })); }
    if (f.replaceable) { actions.appendChild(button('采纳', 'small primary accept', function () { accept(f, li); })); }
    var ignoreForm = el('div', 'ignore-form');
    ignoreForm.hidden = true;
    if (f.acknowledged) {
      // already recorded for this version: nothing more to do
    } else if (f.severity === 'block') {
      actions.appendChild(el('span', 'small muted', '阻断问题须修改，或由审核人填写理由放行'));
    } else {
      var reason = el('input', 'reason');
      reason.placeholder = '忽略理由（必填，将记入审核记录）';
      reason.setAttribute('aria-label', '忽略理由');
      ignoreForm.appendChild(reason);
      ignoreForm.appendChild(button('确定忽略', 'small confirm-ignore', function () {
        if (!reason.value.trim()) { say('请填写忽略理由。', true); reason.focus(); return; }
        ignore(f, li, reason.value.trim());
      }));
      actions.appendChild(button('忽略', 'small ignore', function () {
        ignoreForm.hidden = false;
        reason.focus();
      }));
    }
    li.appendChild(actions);
    li.appendChild(ignoreForm);
    if (f.acknowledged) { setTag(li, '拟稿人已确认', 'ok'); li.classList.add('done'); }
    var reasonGiven = ignored[ignoreKey(f)];
    if (reasonGiven && !f.acknowledged) { setTag(li, '已忽略：' + reasonGiven, 'ok'); li.classList.add('done'); }
    li.addEventListener('click', function (event) {
      if (event.target.closest('details, input, button')) { return; }
      select(f, li);
    });
    return li;
  }

  function render() {
    list.textContent = '';
    if (!findings.length) {
      list.appendChild(el('p', 'muted', '未发现问题。'));
    } else {
      var ol = el('ol', 'findings editable');
      findings.forEach(function (f) { ol.appendChild(item(f)); });
      list.appendChild(ol);
    }
    count.textContent = String(findings.length);
  }

  function draftData() {
    var data = {};
    form.querySelectorAll('input[name], select[name], textarea[name]').forEach(function (node) {
      if (node.name !== 'csrf_token' && node.name !== 'acknowledge' && node.name.indexOf('ack-reason-') !== 0) {
        data[node.name] = node.value;
      }
    });
    return data;
  }

  function recheck() {
    say('正在检查……');
    var text = snapshot();
    return post(root.dataset.recheck, draftData()).then(function (data) {
      findings = data.findings;
      checkedText = text;
      verdict.textContent = data.verdict_label;
      verdict.className = 'badge verdict-' + data.verdict;
      render();
      say('已重新检查：' + (findings.length ? '发现 ' + findings.length + ' 个问题。' : '未发现问题。'));
    }).catch(function (error) { say('检查失败：' + error.message, true); throw error; });
  }

  document.getElementById('recheck').addEventListener('click', function () { recheck().catch(function () {}); });

  // Submitting: the findings must belong to the text being sent, so that each 忽略 names a
  // finding of the new version; re-check first when the text changed since the last check.
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!dirty()) { say('内容未修改：如不同意退回意见，请使用「送审当前版本」。', true); return; }
    var ready = checkedText === snapshot() ? Promise.resolve() : recheck();
    ready.then(function () {
      form.querySelectorAll('input[name=acknowledge], input[name^="ack-reason-"]').forEach(function (n) { n.remove(); });
      findings.forEach(function (f) {
        var reason = ignored[ignoreKey(f)];
        if (!reason || f.severity === 'block') { return; }
        var key = el('input'); key.type = 'hidden'; key.name = 'acknowledge'; key.value = f.key;
        var why = el('input'); why.type = 'hidden'; why.name = 'ack-reason-' + f.key; why.value = reason;
        form.appendChild(key);
        form.appendChild(why);
      });
      form.submit();
    }).catch(function () {});
  });

  render();
}());
