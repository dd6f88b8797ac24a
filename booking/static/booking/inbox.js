/* The manager's inbox: ticked requests stay ticked when the live refresh (js/live.js)
   redraws the rows, and approving several at once asks for a confirmation first. */
(function () {
  "use strict";
  const region = document.getElementById("inbox");
  if (!region) return;
  const ticked = new Set();
  region.addEventListener("change", (event) => {
    const box = event.target;
    if (box.name === "ids") { box.checked ? ticked.add(box.value) : ticked.delete(box.value); }
    if (box.matches("[data-all]")) {
      region.querySelectorAll("input[name=ids]").forEach((b) => { b.checked = box.checked; box.checked ? ticked.add(b.value) : ticked.delete(b.value); });
    }
  });
  region.addEventListener("refreshed", () => {
    region.querySelectorAll("input[name=ids]").forEach((b) => { b.checked = ticked.has(b.value); });
  });
  region.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.submitter && event.submitter.hasAttribute("formaction")) return;  // one request's quick approval
    if (form.id !== "bulk-approve") return;
    const count = form.querySelectorAll("input[name=ids]:checked").length;
    if (!count || !confirm(form.dataset.confirm.replace("{count}", count))) event.preventDefault();
  });
})();
