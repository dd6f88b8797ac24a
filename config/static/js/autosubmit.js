/* <select data-autosubmit> sends its form as soon as a choice is made; the form keeps
   a <noscript> button for browsers without scripts. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]") && event.target.form) event.target.form.submit();
  });
})();
