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
  /* The download menu's files (the chapter as a notebook, its MyST source) are saved, not
   * opened in a new tab as raw text. */
  for (const link of document.querySelectorAll('a.dropdown-item[href*="_sources/"]')) {
    link.setAttribute("download", "");
    link.removeAttribute("target");
  }
  /* Read from disk (file://), Chromium ignores the download attribute and would show a
   * notebook as raw JSON: save the copy of the file the link carries (course_site.py). */
  if (location.protocol === "file:") {
    for (const link of document.querySelectorAll("a[data-course-file]")) {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        const bytes = Uint8Array.from(atob(link.dataset.courseFile), (c) => c.charCodeAt(0));
        const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
        const save = document.createElement("a");
        save.href = url;
        save.download = decodeURIComponent(link.getAttribute("href").split("/").pop());
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      });
    }
  }
  /* Phone: a tap on a link in a drawer (the chapters, or this page's contents) closes the
   * drawer once the link has been followed, so that it does not cover the text it leads to. */
  for (const id of ["pst-primary-sidebar-modal", "pst-secondary-sidebar-modal"]) {
    const drawer = document.getElementById(id);
    if (drawer) {
      drawer.addEventListener("click", (event) => {
        if (event.target.closest("a[href]") && drawer.open) setTimeout(() => drawer.close(), 0);
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

/* Search results: Sphinx builds each snippet from the page's HTML text, which still holds
 * the TeX source of every formula and the print-only contents. Leave those out of the
 * snippet: a display formula goes, an inline one keeps a plain symbol (z, x_i) or shows "…". */
if (typeof Search !== "undefined" && Search.htmlToText) {
  const plainText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll("div.math, .math-wrapper, #jb-print-docs-body, .onlyprint, nav").forEach((e) => e.remove());
    for (const formula of doc.querySelectorAll("span.math")) {
      const tex = formula.textContent.replace(/^\s*\\\(|\\\)\s*$/g, "").trim();
      formula.textContent = /^[\w\s,.'+\-=()^]{1,12}$/.test(tex) ? tex : "…";
    }
    return plainText(doc.documentElement.outerHTML, anchor);
  };
}
