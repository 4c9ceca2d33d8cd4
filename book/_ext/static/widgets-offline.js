/* Let ipywidgets' embed manager run offline beside MathJax 3.
 *
 * Loaded on pages with widgets, after require.js and before embed-amd.js
 * (see nb_ipywidgets_js in _config.yml); all three are served from _static/.
 *
 * 1. embed-amd.js defines its modules under "@jupyter-widgets/html-manager/dist"
 *    and finds its icon fonts relative to that module path, which require.js
 *    would resolve against the page's folder. Point it at _static/ instead.
 * 2. The embed manager typesets widget labels with MathJax 2's API
 *    (MathJax.Hub.Queue); the book serves MathJax 3. Provide that one call.
 */
(function () {
  var here = document.currentScript && document.currentScript.src;
  if (here && window.require && window.require.config) {
    var base = here.split("?")[0].replace(/\/[^/]*$/, "");
    window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": base } });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.startup) return;
    mj.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        return mj.startup.promise.then(function () {
          return element ? mj.typesetPromise([element]) : mj.typesetPromise();
        });
      },
    };
  });
})();
