// Search fields that add people or organizations to a list of ticked boxes
// (booking.widgets.SearchSelectMultiple). Results come from the field's data-search URL.
document.querySelectorAll(".picker").forEach((picker) => {
  const input = picker.querySelector("input[type=search]");
  const results = picker.querySelector(".results");
  const chosen = picker.querySelector(".chosen");
  let timer = null;
  let asked = 0;

  function choose(item) {
    if (!chosen.querySelector(`input[value="${item.id}"]`)) {
      const li = document.createElement("li");
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox"; box.name = picker.dataset.name; box.value = item.id; box.checked = true;
      label.append(box, " " + item.label);
      li.append(label);
      chosen.append(li);
    }
    input.value = "";
    results.replaceChildren();
    input.focus();
  }

  function show(items) {
    results.replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button"; button.textContent = item.label;
      button.addEventListener("click", () => choose(item));
      li.append(button);
      return li;
    }));
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (text.length < 2) { results.replaceChildren(); return; }
    timer = setTimeout(() => {
      const mine = ++asked;
      fetch(picker.dataset.search + "&q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((data) => { if (mine === asked) show(data.results); })
        .catch(() => {});
    }, 250);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();  // Enter picks the first match; it never submits the rules
    const first = results.querySelector("button");
    if (first) first.click();
  });
});
