// Served by `jaarverslag preview` only, never part of the published site: waits for the
// preview server to say the report changed, then reloads; shows bad input in a banner while
// the last good page stays. Text goes in with textContent, so a message cannot inject markup.
(function () {
  "use strict";
  var shown = Number(document.currentScript.dataset.version);
  var banner = null;

  function show(message) {
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "preview-error";
      banner.setAttribute("role", "alert");
      banner.style.cssText = "position:fixed;inset:0 0 auto 0;z-index:1000;max-height:50vh;overflow:auto;margin:0;" +
        "padding:1rem 1.25rem;background:#fff4f4;color:#7a0000;border-bottom:3px solid #b00020;" +
        "font:0.95rem/1.45 system-ui,sans-serif;white-space:pre-wrap";
      document.body.prepend(banner);
    }
    banner.textContent = "Voorbeeld niet bijgewerkt: deze pagina is de laatste goede versie.\n\n" + message;
  }

  async function follow(generation) {
    for (;;) {
      try {
        var response = await fetch("/_preview/state?since=" + generation, { cache: "no-store" });
        var state = await response.json();
        generation = state.generation;
        if (state.error) {
          show(state.error);
        } else if (state.version !== shown) {
          location.reload();
          return;
        } else if (banner) {
          banner.remove();
          banner = null;
        }
      } catch (e) {  // the preview was stopped or restarted: try again in a moment
        await new Promise(function (resolve) { setTimeout(resolve, 1000); });
      }
    }
  }

  follow(-1);
})();
