/* SMS campaigns: the wizard (audience picker, live count, preview, launch) and live campaign progress.
   Plain JavaScript, no framework: it must run on an adviser's old PC. */
(function () {
  "use strict";

  // The message box's live counter is static/sms_counter.js (loaded by the same pages); the
  // wizard's counter builds on its rules (window.crmSms) and adds what only the preview knows:
  // the longest rendering with the fields replaced, and where UCS-2 characters come from.
  var sms = window.crmSms || {};
  var analyse = sms.analyse, gsmFriendly = sms.gsmFriendly, describe = sms.describe, show = sms.show;

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function api(method, url, body) {
    var opts = {method: method, credentials: "same-origin",
                headers: {"X-CSRF-Token": csrf(), "Accept": "application/json"}};
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) {
          var err = new Error((data.error && data.error.message) || ("Erreur " + resp.status));
          err.data = data; throw err;
        }
        return data;
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function plural(n, one, many) { return n + " " + (n > 1 ? many : one); }

  function fmtDate(iso) {
    var d = new Date(iso);
    // Agencies are in metropolitan France: show Paris time whatever the PC's clock says.
    return d.toLocaleString("fr-FR", {weekday: "long", day: "numeric", month: "long", hour: "2-digit",
                                      minute: "2-digit", timeZone: "Europe/Paris"});
  }

  // --- the wizard --------------------------------------------------------------------
  var TENANT_FIELDS = ["first_name", "last_name", "civility", "residence", "building", "entrance",
                       "agency_name", "agency_phone"];

  function wizard(form) {
    var presets = JSON.parse(document.getElementById("presets-data").textContent);
    var labels = JSON.parse(document.getElementById("variable-labels").textContent);
    var alerts = JSON.parse(document.getElementById("alert-categories").textContent);
    var threshold = parseInt(form.getAttribute("data-confirm-threshold"), 10);
    var body = form.querySelector("#body"), category = form.querySelector("#category");
    var urgent = form.querySelector("#urgent"), name = form.querySelector("#name");
    var tree = form.querySelector("#estate"), countOut = form.querySelector("#audience-count");
    var varsBox = form.querySelector("#variables"), previewBox = form.querySelector("#preview");
    var launchBox = form.querySelector("#launch-box"), confirmInput = form.querySelector("#confirm-count");
    var launchBtn = form.querySelector("#launch"), status = form.querySelector("#wizard-status");
    var chosenPreset = null, lastPreview = null, countTimer = null, nameTouched = false;
    var counter = form.querySelector("#body-counter"), fixBtn = form.querySelector("#body-fix");
    var plain = form.querySelector("#plain_values"), plainBox = form.querySelector("#plain-values-box");
    var plainEffect = form.querySelector("#plain-values-effect");
    var measureTimer = null, measureSeq = 0;

    function setStatus(text, cls) { status.textContent = text; status.className = cls || ""; }

    // --- field errors: API details carry field paths ("variables.date", "audience") ---
    var FIELD_IDS = {name: "name", body: "body", category: "category", urgent: "urgent",
                     send_at: "send_at", audience: "estate", preset: "preset-none"};

    function fieldFor(path) {
      var head = String(path || "").split(".")[0];
      if (head === "variables") return form.querySelector("#var-" + String(path).split(".")[1]);
      if (FIELD_IDS[head]) return form.querySelector("#" + FIELD_IDS[head]);
      // A tenant field ({{ entrance }}) left blank, or anything about the text itself.
      return body;
    }

    function fieldName(node) {
      var label = node.id === "estate" ? form.querySelector("#step2") : form.querySelector("label[for='" + node.id + "']");
      return label ? label.textContent.replace(/\s+/g, " ").trim() : node.id;
    }

    function clearErrors() {
      form.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
      form.querySelectorAll("[aria-invalid=true]").forEach(function (n) {
        n.removeAttribute("aria-invalid");
        var ids = (n.getAttribute("aria-describedby") || "").split(" ").filter(function (i) { return i.indexOf("err-") !== 0; });
        if (ids.length) n.setAttribute("aria-describedby", ids.join(" ")); else n.removeAttribute("aria-describedby");
      });
    }

    // Marks each field named in ``details`` ([{field, message}]) and says which in words.
    function markErrors(details) {
      var named = [];
      (details || []).forEach(function (d) {
        var node = fieldFor(d.field);
        if (!node) return;
        var id = "err-" + node.id + "-" + named.length;
        var msg = el("p", {"class": "field-error", id: id}, d.message);
        node.insertAdjacentElement("afterend", msg);
        node.setAttribute("aria-invalid", "true");
        node.setAttribute("aria-describedby", ((node.getAttribute("aria-describedby") || "") + " " + id).trim());
        if (named.indexOf(fieldName(node)) < 0) named.push(fieldName(node));
      });
      var first = form.querySelector("[aria-invalid=true]");
      if (first && first.focus) first.focus();
      return named;
    }

    function showApiError(e) {
      clearErrors();
      var details = e.data && e.data.error && Array.isArray(e.data.error.details) ? e.data.error.details : [];
      var named = markErrors(details);
      setStatus(named.length ? "À corriger : " + named.join(", ") + ". " + e.message : e.message, "error");
    }

    function blankDetails(p) {
      return (p.blank || []).map(function (b) {
        return {field: b.field, message: b.field.indexOf("variables.") === 0
          ? "Valeur obligatoire : le SMS contiendrait un blanc à la place de {{ " + b.placeholder + " }}."
          : "{{ " + b.placeholder + " }} est vide pour " + plural(b.recipients, "destinataire", "destinataires") +
            " : écrivez {{ " + b.placeholder + " | optionnel }} si le message reste clair sans."};
      });
    }

    // --- the counter: the longest rendering, as the preview counts it ------------------
    function sources(p) {
      return (p.ucs2_sources || []).map(function (s) {
        return show(s.character) + (s.field ? " vient de {{ " + s.field + " }} (« " + s.value + " »)" : " vient de votre texte");
      }).join(", ");
    }

    function localCount() {
      var a = analyse(body.value), chosen = Object.keys(audience()).length > 0;
      counter.textContent = describe(a, Array.from(body.value).length) + (chosen
        ? " — calcul avec les champs remplacés…"
        : " — texte seul : choisissez les destinataires pour compter avec les champs remplacés");
      counter.className = a.encoding === "UCS-2" || a.segments > 10 ? "warn" : "muted";
      counter.removeAttribute("data-encoding"); counter.removeAttribute("data-segments");
      fixBtn.hidden = !(a.encoding === "UCS-2" && analyse(gsmFriendly(body.value)).encoding === "GSM-7");
    }

    function showCount(p) {
      if (!p.longest) { counter.textContent = "Aucun destinataire joignable : rien à compter."; return; }
      var s = "Message le plus long : " + plural(p.longest_characters, "caractère", "caractères") + " · " +
        p.encoding + " · " + plural(p.segments_per_message, "segment", "segments") + " par envoi";
      if (p.encoding === "UCS-2") s += " — caractères qui doublent le coût : " + sources(p);
      if (p.too_long) s += " — trop long (au plus 1600 caractères et 10 segments)";
      counter.textContent = s;
      counter.className = p.encoding === "UCS-2" || p.too_long ? "warn" : "muted";
      counter.setAttribute("data-encoding", p.encoding);
      counter.setAttribute("data-segments", String(p.segments_per_message));
      var effect = p.plain_values_effect;
      plainBox.hidden = !(effect || plain.checked);
      plainEffect.textContent = effect ? "— " + effect.encoding + ", " + plural(effect.segments_per_message, "segment", "segments") +
        " par envoi, environ " + effect.estimated_cost.toFixed(2).replace(".", ",") + " € au lieu de " +
        p.estimated_cost.toFixed(2).replace(".", ",") + " €" : "";
    }

    function measure() {
      localCount();
      clearTimeout(measureTimer);
      var seq = ++measureSeq;
      if (!Object.keys(audience()).length || !body.value.trim()) return;
      measureTimer = setTimeout(function () {
        var draft = payload();
        if (!draft.name) draft.name = "(sans nom)";  // the counter does not need a name yet
        api("POST", "/api/v1/campaigns/preview", draft).then(function (p) {
          if (seq !== measureSeq) return;
          showCount(p);
          clearErrors(); markBlanks(p);
        }).catch(function (e) {
          if (seq !== measureSeq) return;
          counter.textContent = describe(analyse(body.value), Array.from(body.value).length) + " — texte seul (" + e.message + ")";
        });
      }, 400);
    }

    function markBlanks(p) {
      var details = blankDetails(p);
      if (!details.length) return;
      var active = document.activeElement;
      markErrors(details);
      if (active && active.focus) active.focus();  // while typing, mark without moving the caret
    }

    function audience() {
      var a = {};
      form.querySelectorAll("input[data-kind]:checked").forEach(function (box) {
        var kind = box.getAttribute("data-kind");
        var ids = box.hasAttribute("data-ids") ? JSON.parse(box.getAttribute("data-ids")) : [parseInt(box.value, 10)];
        a[kind] = (a[kind] || []).concat(ids);
      });
      return a;
    }

    function placeName() {
      var picked = Array.from(form.querySelectorAll("input[data-kind]:checked"));
      if (picked.length !== 1) return picked.length ? plural(picked.length, "lieu", "lieux") : "";
      return picked[0].getAttribute("data-label");
    }

    function autoName() {
      if (nameTouched) return;
      var label = chosenPreset ? chosenPreset.label : "Message";
      var place = placeName();
      name.value = place ? label + " — " + place : label;
    }

    function variables() {
      var v = {};
      varsBox.querySelectorAll("input[data-variable]").forEach(function (i) { v[i.getAttribute("data-variable")] = i.value; });
      return v;
    }

    function refreshVariables() {
      var wanted = [], re = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\|[^}]*)?\}\}/g, m, old = variables();
      while ((m = re.exec(body.value)) !== null) {
        if (TENANT_FIELDS.indexOf(m[1]) < 0 && wanted.indexOf(m[1]) < 0) wanted.push(m[1]);
      }
      varsBox.textContent = "";
      wanted.forEach(function (v) {
        var id = "var-" + v;
        varsBox.appendChild(el("label", {"for": id}, (labels[v] || v) + " ({{ " + v + " }})"));
        var input = el("input", {type: "text", id: id, "data-variable": v, required: "required"});
        input.value = old[v] || "";
        input.addEventListener("input", invalidate);
        varsBox.appendChild(input);
      });
    }

    function invalidate() {
      lastPreview = null; launchBox.hidden = true; previewBox.textContent = "";
      measure();
    }

    function scheduleCount() {
      invalidate(); autoName();
      clearTimeout(countTimer);
      var a = audience();
      if (!Object.keys(a).length) { countOut.textContent = "Aucun destinataire choisi."; return; }
      countOut.textContent = "Calcul…";
      countTimer = setTimeout(function () {
        api("POST", "/api/v1/campaigns/audience-count", {audience: a, category: category.value,
            urgent: urgent.checked}).then(function (r) {
          countOut.textContent = plural(r.recipients, "destinataire", "destinataires") + " · " +
            plural(r.excluded.no_mobile, "sans mobile", "sans mobile") + " · " +
            plural(r.excluded.opted_out, "a refusé les SMS", "ont refusé les SMS") + " · " +
            plural(r.excluded.duplicate_phone, "numéro en double", "numéros en double");
        }).catch(function (e) { countOut.textContent = e.message; });
      }, 250);
    }

    function pickPreset(code) {
      chosenPreset = presets.filter(function (p) { return p.code === code; })[0] || null;
      if (chosenPreset) {
        category.value = chosenPreset.category;
        body.value = chosenPreset.body;
        body.dispatchEvent(new Event("input"));
      }
      syncUrgent(); refreshVariables(); autoName(); invalidate();
    }

    function syncUrgent() {
      var isAlert = alerts.indexOf(category.value) >= 0;
      urgent.disabled = !isAlert;
      if (!isAlert) urgent.checked = false;
      else if (category.value === "outage") urgent.checked = true;
    }

    function payload() {
      var p = {name: name.value.trim(), category: category.value, body: body.value, audience: audience(),
               urgent: urgent.checked, variables: variables(), plain_values: plain.checked};
      if (chosenPreset) p.preset = chosenPreset.code;
      var sendAt = form.querySelector("#send_at").value;
      if (sendAt) p.send_at = new Date(sendAt).toISOString();
      return p;
    }

    function renderPreview(p) {
      previewBox.textContent = "";
      var dl = el("dl", {"class": "facts"});
      function fact(k, v) { dl.appendChild(el("dt", {}, k)); dl.appendChild(el("dd", {}, v)); }
      fact("Destinataires", String(p.recipients));
      fact("Non joignables par SMS", plural(p.excluded.no_mobile, "sans mobile", "sans mobile") + ", " +
           plural(p.excluded.opted_out, "a refusé les SMS", "ont refusé les SMS") + ", " +
           plural(p.excluded.duplicate_phone, "numéro en double", "numéros en double") + " (un seul SMS par numéro)");
      fact("Encodage", p.encoding + (p.ucs2_characters.length ? " (à cause de : " + sources(p) + ")" : ""));
      if (p.plain_values) fact("Valeurs des champs", "écrites sans les accents absents du GSM-7");
      fact("Segments par destinataire", String(p.segments_per_message));
      fact("Total", p.total_segments + " segments, environ " + p.estimated_cost.toFixed(2).replace(".", ",") + " €");
      fact("Premier envoi", fmtDate(p.first_send_at));
      previewBox.appendChild(dl);
      p.problems.forEach(function (t) { previewBox.appendChild(el("p", {"class": "error", role: "alert"}, t)); });
      if (p.gsm_friendly_body) {
        var b = el("button", {type: "button", id: "use-gsm"}, "Remplacer la typographie (’ « » …) pour rester en GSM-7");
        b.addEventListener("click", function () { body.value = p.gsm_friendly_body; body.dispatchEvent(new Event("input")); invalidate(); });
        previewBox.appendChild(b);
      }
      if (p.to_call && p.to_call.length) {
        previewBox.appendChild(el("h3", {}, "À appeler (mobilité réduite) : " + p.to_call.length));
        var calls = el("ul", {id: "to-call"});
        p.to_call.forEach(function (t) { calls.appendChild(el("li", {}, t.name + (t.phone ? " — " + t.phone : " — pas de téléphone"))); });
        previewBox.appendChild(calls);
      }
      previewBox.appendChild(el("h3", {}, "Exemples"));
      var ul = el("ul", {id: "samples"});
      p.samples.forEach(function (s) { ul.appendChild(el("li", {}, s.text)); });
      previewBox.appendChild(ul);
    }

    form.querySelectorAll("input[name=preset]").forEach(function (radio) {
      radio.addEventListener("change", function () { pickPreset(radio.value); });
    });
    category.addEventListener("change", function () { syncUrgent(); scheduleCount(); });
    urgent.addEventListener("change", scheduleCount);
    body.addEventListener("input", function () { refreshVariables(); invalidate(); });
    name.addEventListener("input", function () { nameTouched = true; });
    form.querySelector("#send_at").addEventListener("change", invalidate);
    plain.addEventListener("change", invalidate);
    fixBtn.addEventListener("click", function () { body.value = gsmFriendly(body.value); body.dispatchEvent(new Event("input")); body.focus(); });

    form.querySelector("#estate-filter").addEventListener("input", function (ev) {
      var q = ev.target.value.trim().toLowerCase();
      tree.querySelectorAll("[data-residence]").forEach(function (node) {
        node.hidden = q && node.getAttribute("data-residence").toLowerCase().indexOf(q) < 0;
      });
    });

    form.querySelector("#preview-button").addEventListener("click", function () {
      setStatus("Prévisualisation…"); clearErrors();
      measureSeq++; clearTimeout(measureTimer);
      api("POST", "/api/v1/campaigns/preview", payload()).then(function (p) {
        lastPreview = p; renderPreview(p); showCount(p); setStatus("");
        var named = markErrors(blankDetails(p));
        if (named.length) setStatus("À corriger : " + named.join(", ") + ".", "error");
        launchBox.hidden = p.problems.length > 0;
        var needConfirm = p.recipients > threshold;
        form.querySelector("#confirm-box").hidden = !needConfirm;
        confirmInput.required = needConfirm; confirmInput.value = "";
        launchBtn.textContent = "Envoyer à " + plural(p.recipients, "destinataire", "destinataires");
        if (!named.length) (launchBox.hidden ? previewBox : launchBtn).focus();
      }).catch(showApiError);
    });

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!lastPreview) { setStatus("Prévisualisez d'abord le message.", "error"); return; }
      if (lastPreview.recipients > threshold && parseInt(confirmInput.value, 10) !== lastPreview.recipients) {
        setStatus("Tapez le nombre exact de destinataires (" + lastPreview.recipients + ") pour confirmer.", "error");
        confirmInput.focus(); return;
      }
      launchBtn.disabled = true; setStatus("Lancement…");
      api("POST", "/api/v1/campaigns", payload()).then(function (c) {
        return api("POST", "/api/v1/campaigns/" + c.id + "/launch").then(function () {
          window.location.href = "/campagnes/" + c.id;
        });
      }).catch(function (e) { launchBtn.disabled = false; showApiError(e); });
    });

    // The estate tree, from the API: one checkbox per residence, building and entrance.
    var agencyParam = form.getAttribute("data-agency");
    api("GET", "/api/v1/estate" + (agencyParam ? "?agency=" + agencyParam : "")).then(function (agencies) {
      tree.textContent = "";
      agencies.forEach(function (ag) {
        var group = el("fieldset", {"class": "estate-agency"});
        group.appendChild(el("legend", {}, "Agence " + ag.name));
        group.appendChild(checkbox("agencies", ag.id, "Toute l'agence " + ag.name, "agence " + ag.name));
        (ag.residences || []).forEach(function (res) {
          var box = el("details", {"data-residence": res.name});
          var summary = el("summary", {}, res.name);
          box.appendChild(summary);
          box.appendChild(checkbox("residences", res.id, "Toute la résidence", res.name));
          (res.buildings || []).forEach(function (b) {
            var line = el("div", {"class": "estate-building"});
            line.appendChild(checkbox("buildings", b.id, "Bâtiment " + b.name, "immeuble " + b.name + " (" + res.name + ")"));
            (b.entrances || []).forEach(function (e) {
              line.appendChild(checkbox("entrances", e.id, "entrée " + e.name, "entrée " + e.name + ", immeuble " + b.name + " (" + res.name + ")"));
            });
            box.appendChild(line);
          });
          group.appendChild(box);
        });
        tree.appendChild(group);
      });
      if (!agencies.length) tree.textContent = "Aucun patrimoine importé.";
    }).catch(function (e) { tree.textContent = e.message; });

    function checkbox(kind, id, text, label) {
      var wrap = el("label", {"class": "check"});
      var box = el("input", {type: "checkbox", value: String(id), "data-kind": kind, "data-label": label});
      box.addEventListener("change", scheduleCount);
      wrap.appendChild(box);
      wrap.appendChild(document.createTextNode(" " + text));
      return wrap;
    }

    // "Send a follow-up to the same recipients": the campaign page opens the wizard with
    // the first campaign's tenants, its category and a short text to adapt.
    var followUp = JSON.parse((document.getElementById("follow-up-data") || {}).textContent || "null");
    if (followUp) {
      var same = form.querySelector("#same-recipients");
      same.setAttribute("data-ids", JSON.stringify(followUp.audience.tenant_ids));
      same.addEventListener("change", scheduleCount);
      category.value = followUp.category; body.value = followUp.body; name.value = followUp.name;
      nameTouched = true; form.querySelector("#preset-none").checked = true;
      refreshVariables(); scheduleCount();
    }
    // A preset picked before this script ran (a click while the page was still loading, or
    // the form restored by the browser): apply it now, never over a text already written.
    var early = form.querySelector("input[name=preset]:checked");
    if (!followUp && early && early.value) {
      var written = body.value;
      pickPreset(early.value);
      if (written.trim()) { body.value = written; body.dispatchEvent(new Event("input")); }
    }
    syncUrgent(); localCount();
  }

  // --- campaign page: live progress --------------------------------------------------
  function progress(root) {
    var url = root.getAttribute("data-progress-url");
    var live = ["scheduled", "sending"];
    function tick() {
      api("GET", url).then(function (c) {
        Object.keys(c.counts).forEach(function (k) {
          var cell = root.querySelector("[data-count=" + k + "]");
          if (cell) cell.textContent = c.counts[k];
        });
        var bar = root.querySelector("progress");
        if (bar) {
          var done = c.counts.sent + c.counts.delivered + c.counts.undelivered + c.counts.failed + c.counts.unknown;
          bar.max = Math.max(c.total - c.cancelled, 1); bar.value = done;
          var label = root.querySelector("#progress-text");
          if (label) label.textContent = done + " / " + Math.max(c.total - c.cancelled, 0);
        }
        ["replies", "opt_outs"].forEach(function (k) {
          var cell = root.querySelector("[data-field=" + k + "]");
          if (cell) cell.textContent = c[k];
        });
        var st = root.querySelector("[data-field=status]");
        if (st) st.textContent = root.getAttribute("data-label-" + c.status) || c.status;
        if (live.indexOf(c.status) < 0) {
          // Nothing left to send: the cancel button would do nothing.
          var cancel = root.querySelector("#cancel-campaign");
          if (cancel) cancel.closest("form").hidden = true;
        }
        var none = root.querySelector("#no-failures"), table = root.querySelector("#failures");
        if (none && table) { none.hidden = c.failures.length > 0; table.hidden = !c.failures.length; }
        var fails = root.querySelector("#failures tbody");
        if (fails) {
          fails.textContent = "";
          c.failures.forEach(function (f) {
            var tr = el("tr");
            tr.appendChild(el("td", {}, f.reason)); tr.appendChild(el("td", {}, f.code === null ? "—" : String(f.code)));
            tr.appendChild(el("td", {}, String(f.count)));
            fails.appendChild(tr);
          });
        }
        // Delivery receipts keep arriving after the last SMS has left ("done"): keep
        // following them for a few minutes so "remis à l'opérateur" moves to "distribué".
        if (live.indexOf(c.status) >= 0) setTimeout(tick, 3000);
        else if (awaiting(c.counts) && receiptTicks++ < 100) setTimeout(tick, 3000);
      }).catch(function () { setTimeout(tick, 10000); });
    }
    var receiptTicks = 0;
    function awaiting(counts) { return counts.pending + counts.sending + counts.sent > 0; }
    function shownCounts() {
      var counts = {};
      ["pending", "sending", "sent"].forEach(function (k) {
        var cell = root.querySelector("[data-count=" + k + "]");
        counts[k] = cell ? parseInt(cell.textContent, 10) || 0 : 0;
      });
      return counts;
    }
    if (live.indexOf(root.getAttribute("data-status")) >= 0 || awaiting(shownCounts())) setTimeout(tick, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("campaign-wizard");
    if (form) wizard(form);
    var live = document.getElementById("campaign-progress");
    if (live) progress(live);
  });
})();
