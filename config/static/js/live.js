// Keeps a page region in step with the database. Every WebSocket message is only a
// hint that something changed; the region is then reloaded from the server, and also
// on every (re)connect, so that a dropped message costs nothing.
function liveRefresh(path, region, dot) {
  let delay = 1000;
  let timer = null;
  function reload() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fetch(region.dataset.refresh, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => { region.innerHTML = html; region.dispatchEvent(new Event("refreshed")); })
        .catch(() => {});
    }, 100);
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + path);
    socket.onopen = () => { delay = 1000; if (dot) dot.classList.add("on"); reload(); };
    socket.onmessage = reload;
    socket.onclose = () => {
      if (dot) dot.classList.remove("on");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
}
