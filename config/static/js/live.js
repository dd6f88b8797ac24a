// Keeps a page region in step with the database. Every WebSocket message is only a
// hint that something changed; the region is then reloaded from the server, and also
// on every (re)connect, so that a dropped message costs nothing.
//   options.outer: the server sends the region's own element; keep ours, take its children.
// A region marked in the page starts by itself (no inline script, for the CSP):
//   <div data-socket="/ws/…/" data-refresh="?partial=1" data-dot="live" [data-outer]>
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
    socket.onclose = (event) => {
      open = false;
      mark();
      if (event.code >= 4400 && event.code < 4500) return;  // refused (signed out, no longer allowed): no retry
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
}

function liveStart() {
  document.querySelectorAll("[data-socket]").forEach((region) => {
    if (region.liveStarted) return;  // the script may be on the page twice
    region.liveStarted = true;
    const dot = region.dataset.dot ? document.getElementById(region.dataset.dot) : null;
    liveRefresh(region.dataset.socket, region, dot, { outer: "outer" in region.dataset });
  });
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", liveStart);
else liveStart();
