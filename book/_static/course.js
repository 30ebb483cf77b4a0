/* Sidebar buttons for pydata-sphinx-theme 0.17 under sphinx-book-theme.
 *
 * Narrow screens: the theme binds its sidebar dialogs to the *first* element with class
 * primary-toggle (secondary-toggle), a hidden button in the top bar, so the buttons a
 * reader can see on a phone get no listener and do nothing. Forward their clicks to the
 * bound button (upstream: pydata-sphinx-theme issue 2451).
 * Wide screens: the same button no longer hides the navigation (upstream issue 2067); it
 * toggles a class that hides it. */
document.addEventListener("DOMContentLoaded", () => {
  const wide = window.matchMedia("(min-width: 960px)");
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const buttons = Array.from(document.querySelectorAll("." + kind));
    const bound = buttons[0];
    for (const button of buttons.slice(1)) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        if (kind === "primary-toggle" && wide.matches) {
          document.documentElement.classList.toggle("course-hide-navigation");
        } else {
          bound.click();
        }
      });
    }
  }
});

/* Inline formulas: only one wider than its column scrolls (course.css). Marked after MathJax
 * has typeset the page, and again when the window changes width. */
function markWideMath() {
  for (const formula of document.querySelectorAll('mjx-container:not([display="true"])')) {
    formula.classList.remove("course-wide-math");
    const column = formula.closest("p, li, td, th, dd, dt, div, section") || formula.parentElement;
    const room = column ? column.clientWidth : window.innerWidth;
    if (formula.getBoundingClientRect().width > room + 1) {
      formula.classList.add("course-wide-math");
    }
  }
}
window.addEventListener("load", () => {
  const ready = window.MathJax && MathJax.startup && MathJax.startup.promise;
  (ready || Promise.resolve()).then(markWideMath);
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(markWideMath, 150);
  });
});
