// Refreshes the response counts of a round page every 30 seconds, without reloading it.
// Without JavaScript the page still shows the counts of when it was loaded.
(function () {
  "use strict";
  var box = document.getElementById("monitoring");
  if (!box || !window.fetch) { return; }
  function rows(table, data) {
    var body = table.querySelector("tbody");
    body.textContent = "";
    (data.length ? data : [["–", ""]]).forEach(function (pair) {
      var tr = document.createElement("tr");
      var name = document.createElement("td");
      var n = document.createElement("td");
      name.textContent = pair[0];
      n.textContent = pair[1];
      n.className = "num";
      tr.appendChild(name);
      tr.appendChild(n);
      body.appendChild(tr);
    });
  }
  function refresh() {
    fetch(box.getAttribute("data-source"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        box.querySelector("[data-field=total]").textContent = data.total;
        var rate = box.querySelector("[data-field=rate]");
        if (rate && data.response_rate !== null) { rate.textContent = Math.round(data.response_rate * 100) + "%"; }
        box.querySelectorAll("table[data-table]").forEach(function (table) {
          rows(table, data[table.getAttribute("data-table")] || []);
        });
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  setInterval(refresh, 30000);
}());
