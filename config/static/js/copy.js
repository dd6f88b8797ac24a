/* Copy buttons: <button data-copy="ID" data-copied="Copied">Copy</button> copies the text
   of the element with that id and says so beside the button. Without the clipboard API
   (plain http on another host), the text is selected for the person to copy. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    if (!source) return;
    var text = source.textContent.trim();
    function said(message) {
      var note = button.parentNode.querySelector(".copied");
      if (!note) {
        note = document.createElement("span");
        note.className = "copied";
        note.setAttribute("role", "status");
        button.after(note);
      }
      note.textContent = message;
    }
    function select() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      said(button.dataset.selected || "");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { said(button.dataset.copied || ""); }, select);
    } else {
      select();
    }
  });
})();
