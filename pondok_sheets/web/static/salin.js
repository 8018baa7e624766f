// With JavaScript on, a copy button; without it the ticket is still plain text to select.
// A file, not an inline script: the Content-Security-Policy allows scripts from this site only.
(function () {
  var place = document.getElementById("salin-wadah");
  if (!navigator.clipboard || !place) return;
  var b = document.createElement("button");
  b.type = "button"; b.textContent = "Salin nomor tiket";
  b.onclick = function () {
    navigator.clipboard.writeText(document.getElementById("tiket").textContent.trim())
      .then(function () { b.textContent = "Tersalin"; });
  };
  place.appendChild(b);
})();
