/* The progress page of a background tenant import: asks the job's status every second and
   moves the <progress> bar; when the job ends, the page reloads to show the report. */
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var percent = document.getElementById("import-percent");
  var status = document.getElementById("import-status");
  var DELAY = 1000;

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (job) {
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
          return;
        }
        bar.value = job.percent;
        bar.textContent = job.percent + " %";
        percent.textContent = job.percent + " % du fichier traité.";
        status.textContent = job.status_label;
        window.setTimeout(poll, DELAY);
      })
      .catch(function () { window.setTimeout(poll, DELAY * 5); });  // a network hiccup: try again later
  }
  window.setTimeout(poll, DELAY);
})();
