/* The booking form: as the day, times or service way change, the panel beside it (the
   day's free times, the cost estimate) is reloaded from the server; a click on a free
   time fills in the times instead of reloading the page, so nothing typed is lost. */
(function () {
  "use strict";
  var form = document.getElementById("book-form");
  var side = document.getElementById("book-side");
  if (!form || !side) return;
  var fields = ["day", "start_time", "end_time", "service_way"];
  var timer = null;

  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var query = new URLSearchParams({partial: "1"});
      fields.forEach(function (name) {
        if (form.elements[name] && form.elements[name].value) query.set(name, form.elements[name].value);
      });
      fetch(side.dataset.refresh + "?" + query.toString(), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { side.innerHTML = html; })
        .catch(function () {});
    }, 150);
  }

  fields.forEach(function (name) {
    if (form.elements[name]) form.elements[name].addEventListener("change", refresh);
  });
  side.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-start]");
    if (!link) return;
    event.preventDefault();
    form.elements.start_time.value = link.dataset.start;
    form.elements.end_time.value = link.dataset.end;
    form.elements.start_time.focus();
    refresh();
  });
})();
