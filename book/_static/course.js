/* Phone navigation for pydata-sphinx-theme 0.17 under sphinx-book-theme.
 *
 * The theme binds its sidebar dialogs to the *first* element with class
 * primary-toggle (secondary-toggle), which is a hidden button in the top bar; the
 * buttons a reader can see on a phone get no listener and do nothing. Forward their
 * clicks to the bound button (upstream: pydata-sphinx-theme issue 2451). */
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const buttons = Array.from(document.querySelectorAll("." + kind));
    const bound = buttons[0];
    for (const button of buttons.slice(1)) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    }
  }
});
