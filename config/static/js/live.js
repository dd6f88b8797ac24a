// Keeps a page region in step with the database. Every WebSocket message is only a
// hint that something changed; the region is then reloaded from the server, and also
// on every (re)connect, so that a dropped message costs nothing.
//   options.outer: the server sends the region's own element; keep ours, take its children.
function liveRefresh(path, region, dot, options = {}) {
  let delay = 1000;
  let timer = null;
  let open = false;
  function mark() {
    if (dot) dot.classList.toggle("on", open);
    region.querySelectorAll("[data-live]").forEach((d) => d.classList.toggle("on", open));
  }
  function reload() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fetch(region.dataset.refresh, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          if (options.outer) {
            const fresh = document.createRange().createContextualFragment(html).firstElementChild;
            region.replaceChildren(...fresh.childNodes);
          } else {
            region.innerHTML = html;
          }
          mark();
          region.dispatchEvent(new Event("refreshed"));
        })
        .catch(() => {});
    }, 100);
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + path);
    socket.onopen = () => { delay = 1000; open = true; mark(); reload(); };
    socket.onmessage = reload;
    socket.onclose = () => {
      open = false;
      mark();
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
}
