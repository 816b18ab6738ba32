/* opsbook: "On call now" and "Next", worked out in the reader's browser.
 *
 * The build writes each team's shifts into oncall/TEAM.js (window.opsbookRotas[TEAM]); a page
 * showing the team loads that file. This script finds the shift that contains the reader's
 * clock, so a copy opened from disk days after the build still names the right person. Times
 * are shown in the rotation's zone and in the reader's own. When the clock is outside the
 * data the build wrote, the page says so instead of guessing. No network, no eval, no inline
 * handlers; names reach the page only as text.
 */
(function () {
  "use strict";

  var FORMAT = { weekday: "short", day: "numeric", month: "short", hour: "2-digit",
                 minute: "2-digit", hourCycle: "h23" };

  function format(ms, zone) {
    var options = {};
    for (var key in FORMAT) { options[key] = FORMAT[key]; }
    if (zone) { options.timeZone = zone; }
    try {
      return new Intl.DateTimeFormat(undefined, options).format(new Date(ms));
    } catch (error) {
      return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
    }
  }

  function readerZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function add(parent, tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    parent.appendChild(node);
    return node;
  }

  function addText(parent, text) {
    parent.appendChild(document.createTextNode(text));
  }

  function day(ms, zone) {
    try {
      var options = { year: "numeric", month: "numeric", day: "numeric" };
      if (zone) { options.timeZone = zone; }
      return new Intl.DateTimeFormat("en-CA", options).format(new Date(ms));
    } catch (error) {
      return "";
    }
  }

  function clock(ms) {
    try {
      return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit",
                                                 hourCycle: "h23" }).format(new Date(ms));
    } catch (error) {
      return format(ms);
    }
  }

  /* "Mon, Jun 8, 10:00 Europe/London (04:00 your time)": the reader's day only if it differs */
  function addTime(parent, ms, rota) {
    var time = add(parent, "time", format(ms, rota.tz) + " " + rota.tz);
    time.setAttribute("datetime", new Date(ms).toISOString());
    var local = readerZone();
    if (local && local !== rota.tz) {
      var mine = day(ms, rota.tz) === day(ms) ? clock(ms) : format(ms);
      addText(parent, " (" + mine + " your time)");
    }
  }

  function person(rota, id) {
    var found = id ? rota.people[id] : null;
    return found ? { name: found[0], phone: found[1], href: found[2] }
                 : { name: id || "nobody", phone: "", href: null };
  }

  function addName(parent, who) {
    add(parent, "b", who.name, "ob-oncall-name");
  }

  function addPhone(parent, who) {
    if (!who.phone) { return; }
    addText(parent, " · ");
    if (who.href && who.href.indexOf("tel:") === 0) {
      var link = add(parent, "a", who.phone);
      link.setAttribute("href", who.href);
    } else {
      add(parent, "em", who.phone);
    }
  }

  /* Per layer: the shift containing `now`, and the next one with someone else. */
  function current(rota, now) {
    var answer = [];
    rota.layers.forEach(function (layer, index) {
      var mine = rota.shifts.filter(function (shift) { return shift[0] === index; });
      var here = null, next = null;
      for (var i = 0; i < mine.length; i++) {
        if (mine[i][2] <= now && now < mine[i][3]) { here = mine[i]; break; }
      }
      var after = here ? here[3] : now;
      for (var j = 0; j < mine.length; j++) {
        if (mine[j][2] >= after && (!here || mine[j][1] !== here[1])) { next = mine[j]; break; }
      }
      answer.push({ layer: layer, now: here, next: next });
    });
    return answer;
  }

  function render(box, rota, now) {
    var old = box.querySelector(".ob-oncall-live");
    if (old) { old.parentNode.removeChild(old); }
    var live = document.createElement("div");
    live.className = "ob-oncall-live";
    box.insertBefore(live, box.firstChild);
    var fallback = box.querySelector(".ob-oncall-static");
    if (now >= rota.until || now < rota.from) {
      var notice = add(live, "p", null, "ob-oncall-stale");
      add(notice, "strong", now >= rota.until
        ? "Rota data ends on " + rota.ends + "; rebuild the site."
        : "Rota data starts on " + new Date(rota.from).toISOString().slice(0, 10) +
          "; this copy is older than the rota.");
      addText(notice, " This copy was built on " + rota.built + ".");
      if (fallback) { fallback.hidden = false; }
      return;
    }
    current(rota, now).forEach(function (entry) {
      var line = add(live, "p", null, "ob-oncall-now");
      add(line, "span", "On call now", "ob-label");
      addText(line, " ");
      if (entry.now) {
        var who = person(rota, entry.now[1]);
        addName(line, who);
        addText(line, " (" + entry.layer + ") until ");
        addTime(line, entry.now[3], rota);
        addPhone(line, who);
      } else {
        addText(line, "nobody (" + entry.layer + ")");
      }
      var next = add(live, "p", null, "ob-oncall-next");
      add(next, "span", "Next", "ob-label");
      addText(next, " ");
      if (entry.next) {
        var after = person(rota, entry.next[1]);
        addName(next, after);
        addText(next, " from ");
        addTime(next, entry.next[2], rota);
        addPhone(next, after);
      } else {
        addText(next, "not in the rota data (it ends on " + rota.ends + ")");
      }
    });
    if (fallback) { fallback.hidden = true; }
  }

  /* Rows of a printed-style rota table that are over by now are hidden on screen. */
  function trim(table, now) {
    var rows = table.querySelectorAll("tr[data-ob-end]");
    for (var i = 0; i < rows.length; i++) {
      rows[i].hidden = Number(rows[i].getAttribute("data-ob-end")) <= now;
    }
  }

  function update() {
    var rotas = window.opsbookRotas || {};
    var now = Date.now();
    var boxes = document.querySelectorAll(".ob-oncall[data-ob-team]");
    for (var i = 0; i < boxes.length; i++) {
      var rota = rotas[boxes[i].getAttribute("data-ob-team")];
      if (rota) { render(boxes[i], rota, now); }
    }
    var tables = document.querySelectorAll(".ob-rota");
    for (var j = 0; j < tables.length; j++) { trim(tables[j], now); }
  }

  // With Material's instant navigation a page is swapped in without a reload: run on each.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(update);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
