/* The live SMS counter: characters, encoding and segments as one types, by the same rules as
   crm/sms/encoding.py (one character outside GSM-7 turns the whole message UCS-2: 70 per
   segment instead of 160). One definition for every page with a message box: the campaign
   wizard, the tenant page's SMS form and the inbox conversation.
   Any textarea with data-sms-counter="ID" updates the element ID as one types; with
   data-gsm-fix="BUTTON", that button replaces typographic characters by GSM-7 ones.
   Also exposed as window.crmSms = {analyse, gsmFriendly, describe, show} for campaigns.js.
   Plain JavaScript, no framework: it must run on an adviser's old PC. */
(function () {
  "use strict";

  // GSM 03.38 basic set and extension table (each extension character costs two units).
  var GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXT = "\f^{}\\[~]|€";
  var FRIENDLY = {"\u2019": "'", "\u2018": "'", "\u00ab": '"', "\u00bb": '"', "\u201c": '"',
    "\u201d": '"', "\u2026": "...", "\u2013": "-", "\u2014": "-", "\u00a0": " ", "\u202f": " "};

  function segmentsOf(costs, single, multi) {
    var total = 0, i;
    for (i = 0; i < costs.length; i++) total += costs[i];
    if (total === 0) return 0;
    if (total <= single) return 1;
    var segments = 1, used = 0;
    for (i = 0; i < costs.length; i++) {
      if (used + costs[i] > multi) { segments++; used = 0; }
      used += costs[i];
    }
    return segments;
  }

  function analyse(text) {
    var chars = Array.from(text), culprits = [], gsm = [], i, ch;
    for (i = 0; i < chars.length; i++) {
      ch = chars[i];
      if (GSM_BASIC.indexOf(ch) >= 0) gsm.push(1);
      else if (GSM_EXT.indexOf(ch) >= 0) gsm.push(2);
      else if (culprits.indexOf(ch) < 0) culprits.push(ch);
    }
    if (!culprits.length) {
      return {encoding: "GSM-7", units: gsm.reduce(function (a, b) { return a + b; }, 0),
              segments: segmentsOf(gsm, 160, 153), ucs2: []};
    }
    var costs = chars.map(function (c) { return c.codePointAt(0) > 0xffff ? 2 : 1; });
    return {encoding: "UCS-2", units: costs.reduce(function (a, b) { return a + b; }, 0),
            segments: segmentsOf(costs, 70, 67), ucs2: culprits};
  }

  function gsmFriendly(text) {
    return Array.from(text).map(function (c) { return FRIENDLY[c] !== undefined ? FRIENDLY[c] : c; }).join("");
  }

  function show(ch) { return ch === "\u00a0" || ch === "\u202f" ? "espace insécable" : "« " + ch + " »"; }

  function describe(a, length) {
    var s = length + " caractère" + (length > 1 ? "s" : "") + " · " + a.encoding + " · " +
      a.segments + " segment" + (a.segments > 1 ? "s" : "") + " par envoi";
    if (a.encoding === "UCS-2") s += " — caractères qui doublent le coût : " + a.ucs2.map(show).join(", ");
    if (length > 1600 || a.segments > 10) s += " — trop long (au plus 1600 caractères et 10 segments)";
    return s;
  }

  // Any textarea with data-sms-counter="ID" updates the element ID as one types.
  function bindCounters(root) {
    root.querySelectorAll("textarea[data-sms-counter]").forEach(function (area) {
      var out = document.getElementById(area.getAttribute("data-sms-counter"));
      var fix = area.getAttribute("data-gsm-fix") ? document.getElementById(area.getAttribute("data-gsm-fix")) : null;
      function update() {
        var a = analyse(area.value);
        out.textContent = describe(a, Array.from(area.value).length);
        out.className = a.encoding === "UCS-2" || a.segments > 10 ? "warn" : "muted";
        if (fix) fix.hidden = !(a.encoding === "UCS-2" && analyse(gsmFriendly(area.value)).encoding === "GSM-7");
      }
      area.addEventListener("input", update);
      if (fix) fix.addEventListener("click", function () { area.value = gsmFriendly(area.value); update(); area.focus(); });
      update();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { bindCounters(document); });
  } else {
    bindCounters(document);
  }

  window.crmSms = {analyse: analyse, gsmFriendly: gsmFriendly, describe: describe, show: show};
})();
