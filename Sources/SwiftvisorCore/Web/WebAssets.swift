// The page's stylesheet and script, served by the daemon itself
// (`swiftvisor.css`, `swiftvisor.js`): no CDN, no other file. The script
// only improves a page that works without it: it polls `state.json` while
// the page is open (every 500 ms, so a change shows within a second),
// submits the page's POST forms in the background, folds groups, filters
// rows, and follows logs through the `/logtail` and `/mainlogtail` streams.

public enum WebAssets {
    public static let stylesheet = #"""
    body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#111;background:#fff}
    header{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;padding:.5em 1em;border-bottom:2px solid #333}
    h1{font-size:1.2em;margin:0}
    main{padding:.5em 1em}
    footer{padding:.5em 1em;color:#444;font-size:.85em}
    button,.button{font:inherit;padding:.2em .6em;margin:.1em;border:1px solid #333;border-radius:3px;background:#f4f4f4;color:#111;cursor:pointer;text-decoration:none}
    button:focus-visible,a:focus-visible,input:focus-visible,pre:focus-visible{outline:3px solid #1a56db;outline-offset:1px}
    a.tailf{white-space:nowrap}
    form{display:inline}
    table{border-collapse:collapse;width:100%}
    th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid #ccc;vertical-align:top}
    td.cpu,td.mem,td.uptime{white-space:nowrap}
    .grouphead th{background:#eee;border-top:2px solid #333}
    .state{font-weight:bold;text-transform:uppercase;padding:0 .3em;border:1px solid}
    .statusrunning{color:#075e07}
    .statuserror{color:#a00;border-style:double;border-width:3px}
    .statusnominal{color:#333;border-style:dashed}
    .status_msg:not(:empty){padding:.4em;border:2px solid #333;margin-bottom:.5em;font-weight:bold}
    #logpanel{border:2px solid #333;margin-top:1em;padding:.5em}
    #logtext{max-height:60vh;overflow:auto;background:#111;color:#eee;padding:.5em;white-space:pre-wrap;word-break:break-all}
    #logpanel h2{font-size:1em;margin:0 0 .3em}
    .folded tr.proc{display:none}
    tr.filtered{display:none}
    @media (max-width:700px){
      thead{display:none}
      table,tbody,tr,td,th{display:block;width:auto}
      tr.proc{border-bottom:2px solid #999;padding:.3em 0}
      td{border:0;padding:.1em .5em}
      td[data-label]::before{content:attr(data-label) ": ";font-weight:bold}
    }
    """#

    public static let script = #"""
    (function () {
      "use strict";
      var table = document.getElementById("processes");
      var message = document.getElementById("message");
      var filter = document.getElementById("filter");
      function show(el) { if (el) el.hidden = false; }
      show(document.getElementById("mainlog"));
      show(filter && filter.parentNode);
      document.querySelectorAll("button.fold, button.follow").forEach(show);

      var hiddenFor = function (state) {
        if (state === "RUNNING") return ["start"];
        if (state === "STOPPED" || state === "EXITED" || state === "FATAL") return ["restart", "stop"];
        return ["start", "restart", "stop"];
      };
      var cls = function (state) {
        return state === "RUNNING" ? "statusrunning" : (state === "FATAL" || state === "BACKOFF") ? "statuserror" : "statusnominal";
      };
      function rowFor(ns) {
        var rows = table ? table.querySelectorAll("tr.proc") : [];
        for (var i = 0; i < rows.length; i++) if (rows[i].getAttribute("data-ns") === ns) return rows[i];
        return null;
      }
      function setText(row, sel, text) { var c = row.querySelector(sel); if (c && c.textContent !== text) c.textContent = text; }
      var known = null;
      function apply(state) {
        var names = state.processes.map(function (p) { return p.ns; }).join("\n");
        if (known !== null && names !== known) { location.reload(); return; }  // processes added or removed
        known = names;
        state.processes.forEach(function (p) {
          var row = rowFor(p.ns);
          if (!row) return;
          row.setAttribute("data-state", p.state);
          var span = row.querySelector(".state");
          if (span) { span.textContent = p.state.toLowerCase(); span.className = "state " + cls(p.state); }
          setText(row, ".desc", p.description); setText(row, ".pid", p.pid); setText(row, ".uptime", p.uptime);
          setText(row, ".exit", p.exit); setText(row, ".restarts", p.restarts); setText(row, ".cpu", p.cpu); setText(row, ".mem", p.mem);
          var hide = hiddenFor(p.state);
          row.querySelectorAll("td.actions button[name=action]").forEach(function (b) { b.hidden = hide.indexOf(b.value) >= 0; });
        });
        applyFilter();
      }
      var polling = false;
      function poll() {
        if (polling || document.hidden) return;
        polling = true;
        fetch("state.json", { cache: "no-store", credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (s) { if (s) apply(s); })
          .catch(function () {})
          .then(function () { polling = false; });
      }
      setInterval(poll, 500);
      poll();

      // The page's own actions: the same POST the form makes, in the background.
      document.addEventListener("submit", function (e) {
        var form = e.target;
        if (!form.classList || !(form.classList.contains("act") || form.classList.contains("global"))) return;
        var button = e.submitter;
        if (!button || !button.value) return;
        e.preventDefault();
        var body = new URLSearchParams(new FormData(form));
        body.set("action", button.value);
        body.set("ajax", "1");
        message.textContent = button.textContent + " " + (body.get("processname") || "") + "…";
        fetch("index.html", { method: "POST", body: body, credentials: "same-origin" })
          .then(function (r) { return r.text().then(function (t) { message.textContent = r.ok ? t : "Refused (" + r.status + "): reload the page"; }); })
          .catch(function (err) { message.textContent = "Request failed: " + err; })
          .then(poll);
      });

      // Folding groups.
      document.querySelectorAll("button.fold").forEach(function (b) {
        b.addEventListener("click", function () {
          var body = b.closest("tbody");
          var folded = body.classList.toggle("folded");
          b.setAttribute("aria-expanded", folded ? "false" : "true");
          b.textContent = folded ? "+" : "−";
        });
      });

      // Filtering by name or state.
      function applyFilter() {
        if (!filter || !table) return;
        var q = filter.value.trim().toLowerCase();
        table.querySelectorAll("tr.proc").forEach(function (row) {
          var hit = !q || row.getAttribute("data-ns").toLowerCase().indexOf(q) >= 0 || row.getAttribute("data-state").toLowerCase().indexOf(q) >= 0;
          row.classList.toggle("filtered", !hit);
        });
      }
      if (filter) filter.addEventListener("input", applyFilter);

      // Following a log: the /logtail stream, read as it arrives.
      var panel = document.getElementById("logpanel"), text = document.getElementById("logtext");
      var title = document.getElementById("logtitle"), download = document.getElementById("logdownload");
      var current = null, followed = null;
      function follow(ns, channel) {
        if (current) current.abort();
        current = new AbortController();
        followed = ns;
        var url = ns === null ? "mainlogtail" : "logtail/" + encodeURIComponent(ns) + (channel === "stderr" ? "/stderr" : "");
        title.textContent = ns === null ? "main log (live)" : ns + " " + channel + " (live)";
        download.href = "download?processname=" + encodeURIComponent(ns || "") + "&channel=" + channel;
        download.hidden = ns === null;
        document.getElementById("logout").hidden = document.getElementById("logerr").hidden = ns === null;
        text.textContent = "";
        panel.hidden = false;
        var decoder = new TextDecoder();
        fetch(url, { signal: current.signal, credentials: "same-origin" }).then(function (r) {
          var reader = r.body.getReader();
          function more() {
            return reader.read().then(function (chunk) {
              if (chunk.done) return;
              var atEnd = text.scrollTop + text.clientHeight >= text.scrollHeight - 4;
              text.textContent += decoder.decode(chunk.value, { stream: true });
              if (text.textContent.length > 1048576) text.textContent = text.textContent.slice(-524288);
              if (atEnd) text.scrollTop = text.scrollHeight;
              return more();
            });
          }
          return more();
        }).catch(function () {});
      }
      document.querySelectorAll("button.follow").forEach(function (b) {
        b.addEventListener("click", function () { follow(b.getAttribute("data-ns"), "stdout"); text.focus(); });
      });
      document.getElementById("logout").addEventListener("click", function () { follow(followed, "stdout"); });
      document.getElementById("logerr").addEventListener("click", function () { follow(followed, "stderr"); });
      document.getElementById("mainlog").addEventListener("click", function () { follow(null, "stdout"); });
      document.getElementById("logclose").addEventListener("click", function () {
        if (current) current.abort();
        current = null;
        panel.hidden = true;
      });
    })();
    """#
}
