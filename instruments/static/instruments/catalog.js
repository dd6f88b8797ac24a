/* Wide screens have room for every filter; phones start with the keyword only. */
(function () {
  "use strict";
  if (window.matchMedia("(min-width: 761px)").matches) {
    document.querySelectorAll("details.more-filters").forEach(function (d) { d.open = true; });
  }
})();
