// Live updates. An element with `data-live-events` (a stream's URL) and an id is loaded again
// from `data-live-refresh` (the page it is part of) and swapped in place whenever the stream
// tells of a change, and once more when a lost stream comes back, to catch up on what was
// missed. `data-live-also` names other parts of the page (`#facts,#history`) refreshed from
// the same answer. An element with `data-live-status` says so while the stream is lost, and
// the page's root says whether it is `data-live="open"` (listening, and caught up) or `"lost"`
// (for styles, and for tests, which must not act before the page has settled). Without a script, the page
// is as fresh as its last load.
"use strict";

(() => {
  // Changes that arrive together are fetched once.
  const SETTLE_MS = 150;
  // How long to wait before opening a stream the server refused (EventSource gives up then).
  const RETRY_MS = 3000;

  const follow = (region) => {
    const selector = `#${CSS.escape(region.id)}`;
    const events = region.dataset.liveEvents;
    const refresh = region.dataset.liveRefresh;
    const also = region.dataset.liveAlso;
    const status = document.querySelector("[data-live-status]");
    let pending = null;

    const load = () =>
      htmx.ajax("GET", refresh, {
        target: selector,
        select: selector,
        selectOOB: also,
        swap: "outerHTML",
      });

    const reload = () => {
      clearTimeout(pending);
      pending = setTimeout(load, SETTLE_MS);
    };

    const show = (isLost) => {
      if (isLost) {
        document.documentElement.dataset.live = "lost";
      }
      if (status) {
        status.hidden = !isLost;
      }
    };

    const open = () => {
      const source = new EventSource(events);
      // The first stream starts from now, and a stream that comes back may have missed
      // changes: either way the part is loaded once more, so that nothing made between the
      // page's load and its stream's start is missed. The page is "open" once it has caught up.
      source.addEventListener("open", () => {
        show(false);
        clearTimeout(pending);
        load().finally(() => {
          if (source.readyState === EventSource.OPEN) {
            document.documentElement.dataset.live = "open";
          }
        });
      });
      source.addEventListener("error", () => {
        show(true);
        if (source.readyState === EventSource.CLOSED) {
          setTimeout(open, RETRY_MS);
        }
      });
      source.addEventListener("message", reload);
      for (const kind of ["candidate", "feedback", "appointment", "create", "update", "delete", "cast", "uncast", "reset"]) {
        source.addEventListener(kind, reload);
      }
    };
    open();
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const region of document.querySelectorAll("[data-live-events][id]")) {
      follow(region);
    }
  });
})();
