// Live segment counter, same rules as crm/sms/encoding.py: one character outside GSM-7
// turns the whole message UCS-2 (70 characters per SMS instead of 160).
(function () {
  var basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var extended = "\f^{}\\[~]|€";
  var box = document.getElementById("reply-body"), out = document.getElementById("segments");
  if (!box) return;
  function pack(costs, single, multi) {
    var total = costs.reduce(function (a, b) { return a + b; }, 0);
    if (total === 0) return 0;
    if (total <= single) return 1;
    var n = 1, used = 0;
    costs.forEach(function (c) { if (used + c > multi) { n += 1; used = 0; } used += c; });
    return n;
  }
  function update() {
    var chars = Array.from(box.value), gsm = [], ucs2 = false;
    chars.forEach(function (ch) {
      if (basic.indexOf(ch) >= 0) gsm.push(1);
      else if (extended.indexOf(ch) >= 0) gsm.push(2);
      else ucs2 = true;
    });
    var n = ucs2 ? pack(chars.map(function (ch) { return ch.codePointAt(0) > 0xFFFF ? 2 : 1; }), 70, 67)
                 : pack(gsm, 160, 153);
    out.textContent = chars.length + " caractère" + (chars.length > 1 ? "s" : "") + " · " + n + " SMS" +
      (ucs2 ? " (caractères spéciaux : 70 par SMS)" : "");
  }
  box.addEventListener("input", update);
  update();
})();
