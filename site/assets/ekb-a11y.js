// Accessibility fixes for what the theme renders at run time (checked with axe-core in tests/test_browser.py):
// - wide tables scroll inside a wrapper the theme adds: make it reachable by keyboard;
// - the search dialog gets a name in the page's language.
(function () {
  const danish = document.documentElement.lang === "da";
  function fix() {
    for (const box of document.querySelectorAll(".md-typeset__scrollwrap, .ekb-scroll")) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", danish ? "Tabel (rul vandret)" : "Table (scroll sideways)");
      }
    }
    const search = document.querySelector(".md-search[role=dialog]");
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", danish ? "Søg" : "Search");
  }
  if (typeof document$ !== "undefined") document$.subscribe(() => setTimeout(fix, 0));
  else document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("resize", fix);
})();
