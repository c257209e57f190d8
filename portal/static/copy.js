// Adds a "Copy" button beside every element with data-copy: the page works
// without it (the code can be selected and copied by hand).
document.querySelectorAll("[data-copy]").forEach(function (el) {
  if (!navigator.clipboard) return;
  var b = document.createElement("button");
  b.type = "button";
  b.className = "secondary";
  b.textContent = "Copy";
  b.addEventListener("click", function () {
    navigator.clipboard.writeText(el.getAttribute("data-copy")).then(function () {
      b.textContent = "Copied";
    }, function () {
      b.textContent = "Copy failed: select the code and copy it";
    });
  });
  el.insertAdjacentElement("afterend", b);
});
