// Mount Swagger UI (swagger-ui-dist, served from node_modules) on the API description.
// A file of its own, so the page's CSP needs no inline script.
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    // deep links put a link inside each operation's toggle button (nested controls)
    deepLinking: false,
    tryItOutEnabled: false,
    onComplete: () => {
      const servers = root.querySelector("select#servers");
      if (servers) servers.setAttribute("aria-label", "Server");
    },
  });
});
