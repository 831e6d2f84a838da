// The console's only script: progressive enhancement, never required.
// - a print button on the 一次性告知书;
// - the card issuance journal, polled until it ends.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var print = document.querySelector("[data-print]");
  if (print) {
    print.addEventListener("click", function () { window.print(); });
  }
  var journal = document.getElementById("journal");
  if (!journal || journal.dataset.terminal === "true") { return; }
  var url = journal.dataset.poll;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) { return; }
        j.steps.forEach(function (s) {
          var li = document.getElementById("step-" + s.step);
          if (li) { li.className = s.reached ? "reached" : ""; }
        });
        var state = document.getElementById("card-state");
        state.textContent = j.state_label;
        state.dataset.state = j.state;
        document.getElementById("card-attempt").textContent = j.attempt;
        document.getElementById("card-serial").textContent = j.serial || "—";
        document.getElementById("card-error").textContent = j.error || "";
        var events = document.getElementById("card-events");
        events.textContent = "";
        j.events.forEach(function (e) {
          var li = document.createElement("li");
          li.textContent = e.label;
          li.dataset.action = e.action;
          events.appendChild(li);
        });
        journal.dataset.terminal = j.terminal ? "true" : "false";
        if (!j.terminal) { setTimeout(poll, 300); }
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
});
