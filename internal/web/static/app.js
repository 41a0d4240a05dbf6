// calfeed subscribe page. The page works without this file; it adds what
// only a browser can: times in the reader's own zone, copy buttons, a
// personal agenda that updates as events are ticked, and reminders chosen
// without reloading the page. Nothing is stored and nothing is sent
// anywhere.
(function () {
  'use strict';

  var doc = document;
  var root = doc.documentElement;
  var lang = root.lang || 'en';

  function msg(name) {
    return doc.body.getAttribute('data-msg-' + name) || '';
  }

  function fill(s, value) {
    return s.split('{1}').join(value);
  }

  // Replace without the special meaning of "$" in String.replace.
  function put(s, token, value) {
    var i = s.indexOf(token);
    return i < 0 ? s : s.slice(0, i) + value + s.slice(i + token.length);
  }

  var status = doc.getElementById('status');
  function announce(text) {
    if (!status) return;
    status.textContent = '';
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // Times in the reader's zone: the one named in ?tz= (the server put it on
  // <html data-tz>), else the browser's.
  function readerZone() {
    if (root.getAttribute('data-tz')) return root.getAttribute('data-tz');
    // A static copy of the page gets ?tz= from its own form: no server
    // read it, so read it here (a zone this browser does not know is none).
    var asked = '';
    try { asked = new URLSearchParams(window.location.search).get('tz') || ''; } catch (e) { /* none */ }
    if (asked) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: asked });
        var field = doc.getElementById('tz');
        if (field && !field.value) field.value = asked;
        return asked;
      } catch (e) { /* fall back to the browser's */ }
    }
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || '';
    } catch (e) {
      return '';
    }
  }

  // Formatters are made once per zone: making one costs far more than
  // using it, and the page formats every event's times.
  var formatters = {};
  function formatter(kind, zone) {
    var key = kind + ' ' + zone;
    if (!formatters[key]) {
      formatters[key] = kind === 'clock'
        ? new Intl.DateTimeFormat('en-US', {
          timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
          hour: '2-digit', minute: '2-digit', hourCycle: 'h23'
        })
        : new Intl.DateTimeFormat(lang, {
          timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', numberingSystem: 'latn'
        });
    }
    return formatters[key];
  }

  function dayAndClock(date, zone) {
    var p = {};
    formatter('clock', zone).formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    return { day: p.year + '-' + p.month + '-' + p.day, clock: p.hour + ':' + p.minute };
  }

  function shortDate(date, zone) {
    return formatter('date', zone).format(date);
  }

  function showReaderTimes() {
    var zone = readerZone();
    if (!zone) return;
    var field = doc.getElementById('tz');
    if (field && !field.value) field.placeholder = zone;
    var label = fill(msg('your-time-zone'), zone);
    doc.querySelectorAll('.reader[data-start]').forEach(function (el) {
      var start = new Date(el.getAttribute('data-start'));
      var end = new Date(el.getAttribute('data-end'));
      var s, e;
      try {
        s = dayAndClock(start, zone);
        e = dayAndClock(end, zone);
      } catch (err) {
        return; // a zone this browser does not know: keep the event's time only
      }
      var text = s.clock + '–' + e.clock;
      if (s.day !== el.getAttribute('data-day')) text += ', ' + shortDate(start, zone);
      el.querySelector('.reader-time').textContent = text;
      el.querySelector('.reader-label').textContent = label;
      el.hidden = false;
    });
  }

  // Copy buttons: shown only here, since they need a script to work.
  function copy(button) {
    var text = button.getAttribute('data-copy');
    var input = button.parentNode.querySelector('input');
    function done() {
      button.classList.add('done');
      announce(fill(msg('copied'), text));
    }
    function fallback() {
      if (input) {
        input.focus();
        input.select();
        try {
          if (doc.execCommand('copy')) { done(); return; }
        } catch (e) { /* fall through */ }
      }
      announce(msg('copy-failed'));
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function setUpCopy() {
    doc.querySelectorAll('button[data-copy]').forEach(function (b) {
      b.hidden = false;
      b.addEventListener('click', function () { copy(b); });
    });
  }

  // A feed's links: every client button is built from the template the
  // server wrote for a stand-in address ({url}, {webcal}, {path}), so that
  // the address can change here (another reminder, another agenda).
  function withParam(u, name, value) {
    if (!value) return u;
    return u + (u.indexOf('?') < 0 ? '?' : '&') + name + '=' + encodeURIComponent(value);
  }

  // refreshLinks rebuilds the links of one feed's .subscribe box from its
  // address without a reminder (data-url, data-path) and the reminder
  // chosen in its select.
  function refreshLinks(box) {
    var select = box.querySelector('select[name="alarm"]');
    var alarm = select ? select.value : '';
    var url = withParam(box.getAttribute('data-url') || '', 'alarm', alarm);
    var path = withParam(box.getAttribute('data-path') || '', 'alarm', alarm);
    var webcal = url.replace(/^https?:/i, 'webcal:');
    box.querySelectorAll('a[data-tmpl]').forEach(function (a) {
      var t = a.getAttribute('data-tmpl');
      t = put(t, '{url}', encodeURIComponent(url));
      t = put(t, '{webcal}', webcal);
      t = put(t, '{path}', path);
      a.setAttribute('href', t);
    });
    box.querySelectorAll('.feed-url').forEach(function (el) {
      if (el.tagName === 'INPUT') el.value = url; else el.textContent = url;
    });
    box.querySelectorAll('button[data-copy]').forEach(function (b) {
      b.setAttribute('data-copy', url);
      b.classList.remove('done');
    });
    box.setAttribute('data-alarm', alarm);
  }

  // Reminders: choosing one rewrites that feed's links at once; the form's
  // button, which reloads the page with ?alarm= for readers without this
  // script, is not needed.
  function setUpAlarms() {
    doc.querySelectorAll('.subscribe select[name="alarm"]').forEach(function (select) {
      var box = select.closest('.subscribe');
      var apply = select.form && select.form.querySelector('button[type="submit"]');
      if (apply) apply.hidden = true;
      select.addEventListener('change', function () {
        refreshLinks(box);
        announce(fill(msg('alarm-set'), select.options[select.selectedIndex].text));
      });
      // A browser may restore another choice than the page was made with
      // (back, reload): follow the control.
      if (select.value !== (box.getAttribute('data-alarm') || '')) refreshLinks(box);
    });
  }

  // The personal agenda: one feed of the ticked events.
  var agenda = doc.getElementById('agenda');

  function countText(n) {
    var el = agenda.querySelector('.agenda-count');
    var forms = {};
    try { forms = JSON.parse(el.getAttribute('data-forms')); } catch (e) { /* keep {} */ }
    if (n === 0) return forms.none || '';
    var cat = 'other';
    try { cat = new Intl.PluralRules(lang).select(n); } catch (e) { /* other */ }
    return (forms[cat] || forms.other || '{n}').split('{n}').join(String(n));
  }

  function updateAgenda() {
    // The ids in calendar order, once each (a series has a box per date),
    // as the server lists them: one agenda, one address.
    var picked = {};
    doc.querySelectorAll('input[name="events"][form="agenda-form"]:checked').forEach(function (c) {
      picked[c.value] = Number(c.getAttribute('data-order'));
    });
    // Events ticked on other pages of the programme, which this page keeps.
    doc.querySelectorAll('input[type="hidden"][name="events"][form="agenda-form"]').forEach(function (c) {
      picked[c.value] = Number(c.getAttribute('data-order'));
    });
    var ids = Object.keys(picked).sort(function (a, b) { return picked[a] - picked[b]; });
    keepAgenda(ids);
    var query = '?events=' + ids.join(',') + (agenda.getAttribute('data-lang-param') || '');
    var box = agenda.querySelector('.subscribe');
    box.setAttribute('data-url', agenda.getAttribute('data-feed-base') + query);
    box.setAttribute('data-path', agenda.getAttribute('data-path-base') + query);
    refreshLinks(box);
    // With none ticked the box is hidden, and its buttons lead to the
    // agenda's section, as the server writes them: a feed of no event is
    // a 400, which link checkers report.
    if (ids.length === 0) {
      box.querySelectorAll('a[data-tmpl]').forEach(function (a) { a.setAttribute('href', '#agenda'); });
    }
    agenda.querySelector('.agenda-count').textContent = countText(ids.length);
    agenda.querySelector('.agenda-feed').hidden = ids.length === 0;
  }

  // The links to other pages of the programme and to other languages
  // carry the agenda, so that what was ticked is not lost on the way.
  function keepAgenda(ids) {
    doc.querySelectorAll('a[data-keep-agenda]').forEach(function (a) {
      var href = a.getAttribute('href');
      var hash = '';
      var i = href.indexOf('#');
      if (i >= 0) { hash = href.slice(i); href = href.slice(0, i); }
      i = href.indexOf('?');
      var params = new URLSearchParams(i >= 0 ? href.slice(i + 1) : '');
      if (ids.length) params.set('events', ids.join(',')); else params.delete('events');
      var q = params.toString().split('%2C').join(',');
      a.setAttribute('href', (i >= 0 ? href.slice(0, i) : href) + (q ? '?' + q : '') + hash);
    });
  }

  function setUpAgenda() {
    if (!agenda) return;
    var build = agenda.querySelector('.build');
    if (build) build.hidden = true; // the agenda follows the ticks at once
    var boxes = doc.querySelectorAll('input[name="events"][form="agenda-form"]');
    boxes.forEach(function (c) {
      c.addEventListener('change', function () {
        boxes.forEach(function (other) { // every date of a series at once
          if (other.value === c.value) other.checked = c.checked;
        });
        updateAgenda();
      });
    });
    updateAgenda();
  }

  // A link to a feed (#track-gender, as the QR codes give) unfolds it.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var el = id && doc.getElementById(id);
    if (el && el.tagName === 'DETAILS' && !el.open) {
      el.open = true;
      el.scrollIntoView();
    }
  }

  showReaderTimes();
  openTarget();
  window.addEventListener('hashchange', openTarget);
  setUpCopy();
  setUpAlarms();
  setUpAgenda();
})();
