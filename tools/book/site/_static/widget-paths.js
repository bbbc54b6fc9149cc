// Each module of the widget manager finds its fonts beside the address RequireJS gives it: point them all
// at the site's copy (under _static/_assets), from whichever folder the page is in.
(function () {
  var src = document.currentScript.src;
  var dist = src.slice(0, src.lastIndexOf("/") + 1) + "_assets/html-manager/dist";
  var paths = {"@jupyter-widgets/html-manager/dist": dist};
  ["base", "base7", "controls", "controls7", "html-manager"].forEach(function (name) {
    paths["@jupyter-widgets/" + name] = dist + "/embed-amd";
  });
  window.require.config({paths: paths});
})();
