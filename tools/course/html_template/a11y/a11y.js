/* The widget manager draws each slider's handle (role="slider") apart from its description label, with no
   accessible name: name every handle by its row's label, as it is drawn. */
(function () {
  let next = 0;
  function nameHandles(root) {
    for (const handle of root.querySelectorAll('.widget-slider .noUi-handle:not([aria-labelledby])')) {
      const label = handle.closest('.widget-slider').querySelector(':scope > .widget-label');
      if (!label || !label.textContent.trim()) continue;
      if (!label.id) label.id = 'a11y-slider-label-' + (next++);
      handle.setAttribute('aria-labelledby', label.id);
    }
  }
  new MutationObserver(() => nameHandles(document)).observe(document.documentElement,
                                                             {childList: true, subtree: true});
}());
