// The site's only script (served from the site itself; the pages' Content-Security-Policy
// allows nothing else). Everything works without it; it adds two things:
// - on a phone, the contents menu closes once a chapter is chosen;
// - on zoeken.html, the search box of Pagefind's UI, with the query from ?q=.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const menu of document.querySelectorAll("details.menu")) {
    menu.addEventListener("click", (event) => {
      if (event.target.closest("a") && !window.matchMedia("(min-width: 75rem)").matches) {
        menu.open = false;
      }
    });
  }

  const search = document.getElementById("zoeken");
  if (search && window.PagefindUI) {
    const ui = new PagefindUI({
      element: "#zoeken",
      showSubResults: true,
      showImages: false,
      // result links are relative to the folder this page is in, wherever the site is hosted
      baseUrl: new URL(".", window.location.href).pathname,
      translations: { placeholder: "Zoek in alle jaarverslagen", clear_search: "Wissen" },
    });
    // a visible label for the search box (Pagefind gives it only an aria-label)
    const input = search.querySelector("input.pagefind-ui__search-input");
    if (input) {
      input.id = "zoekveld";
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.className = "zoeklabel";
      label.textContent = "Zoekterm";
      search.prepend(label);
    }
    const query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }
});
