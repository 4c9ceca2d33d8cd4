// Explorable figures of the rendered book (cnnlab.viz.explore): each control picks a value, and
// the figure pre-rendered for that combination of values replaces the one shown. No kernel, no
// network: the frames are in the page.
(function () {
  "use strict";
  function wire(root) {
    var data = JSON.parse(root.querySelector("script.cnnlab-frames").textContent);
    var image = root.querySelector("img.cnnlab-frame");
    var controls = data.names.map(function (name) {
      return root.querySelector('[data-control="' + name + '"]');
    });
    function position(control) {
      if (control.type === "checkbox") { return control.checked ? 1 : 0; }
      return parseInt(control.value, 10);
    }
    function update() {
      var index = 0;
      var shown = [];
      controls.forEach(function (control, i) {
        var at = position(control);
        index = index * data.labels[i].length + at;
        var label = data.labels[i][at];
        control.parentNode.querySelector("output").textContent = label;
        shown.push(data.names[i] + " = " + label);
      });
      image.src = data.images[data.frames[index]];
      image.alt = "figure for " + shown.join(", ");
      root.setAttribute("data-frame", String(index));
    }
    controls.forEach(function (control) {
      control.addEventListener("input", update);
      control.addEventListener("change", update);
    });
    update();
  }
  function start() {
    document.querySelectorAll(".cnnlab-explorer").forEach(wire);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
