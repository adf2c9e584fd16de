// The HTML report's viewer. Everything from documents reaches the page through textContent:
// never innerHTML, and no attribute or URL is ever made from document text.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("dedup-data").textContent);
  const app = document.getElementById("app");
  const known = new Set(data.labels);
  const PAGE = 25;
  const RELATIONS = ["identical", "near-duplicate", "contained", "overlap"];
  const VERB = {
    "identical": "is identical to",
    "near-duplicate": "is a near-duplicate of",
    "contained": "is contained in",
    "overlap": "shares a passage with",
  };
  const state = { page: 0, relation: "", query: "" };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function add(parent, ...children) {
    for (const child of children) {
      parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return parent;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // Parsed only when asked for: a report of 20,000 pairs keeps its texts as unparsed blocks.
  function block(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function pct(x) {
    return Math.round(x * 100) + "%";
  }

  function relationBadge(relation) {
    const name = relation || "unrelated";
    const cls = RELATIONS.includes(name) ? "rel rel-" + name : "rel";
    return el("span", cls, name.toUpperCase());
  }

  function pathOf(n) {
    return data.docs[n].path;
  }

  // "1 word", "2 words": counts read as the terminal report's do.
  function counted(n, noun) {
    return n + " " + noun + (n === 1 ? "" : "s");
  }

  // The pair's numbers, phrased from the side that lies inside the other for `contained`.
  function numbers(pair) {
    const flip = pair.direction === "b_in_a";
    const inner = flip ? pair.b_in_a : pair.a_in_b;
    const outer = flip ? pair.a_in_b : pair.b_in_a;
    const words = flip ? pair.words_b : pair.words_a;
    return (
      pct(inner) + " of " + (flip ? "B" : "A") + " is in " + (flip ? "A" : "B") + ", " + pct(outer) +
      " the other way · Jaccard " + pair.jaccard.toFixed(2) + " · " + counted(words, "shared word") +
      " · longest shared passage " + counted(pair.longest, "word")
    );
  }

  function originalGuess(pair) {
    if (pair.original === "a") return "A, " + pathOf(pair.a);
    if (pair.original === "b") return "B, " + pathOf(pair.b);
    return "unknown";
  }

  function originalLine(pair) {
    if (!pair.original) return null;
    const reason = pair.reasons.length ? pair.reasons[0] : "";
    return "original, a guess: " + originalGuess(pair) + (reason ? " (" + reason + ")" : "");
  }

  // ---- overview -------------------------------------------------------------------------------

  const pairsOf = data.clusters.map(() => []);
  const loose = [];
  data.pairs.forEach((pair, i) => {
    if (pair.cluster === null || pair.cluster === undefined) loose.push(i);
    else pairsOf[pair.cluster].push(i);
  });
  const groups = data.clusters.map((cluster, i) => ({ number: i + 1, cluster, pairs: pairsOf[i] }));
  if (loose.length) groups.push({ number: null, cluster: null, pairs: loose });

  function pairMatches(i) {
    const pair = data.pairs[i];
    if (state.relation && pair.relation !== state.relation) return false;
    if (!state.query) return true;
    const query = state.query.toLowerCase();
    return pathOf(pair.a).toLowerCase().includes(query) || pathOf(pair.b).toLowerCase().includes(query);
  }

  function showOverview() {
    clear(app);
    const controls = el("form", "controls");
    controls.addEventListener("submit", (event) => event.preventDefault());
    const relation = el("select");
    relation.id = "relation";
    add(relation, el("option", null, "every relation"));
    relation.firstChild.value = "";
    for (const name of RELATIONS) {
      const option = el("option", null, name);
      option.value = name;
      add(relation, option);
    }
    relation.value = state.relation;
    const query = el("input");
    query.id = "query";
    query.type = "search";
    query.placeholder = "path contains…";
    query.value = state.query;
    add(controls, el("label", null, "Show "), relation, " ", query);
    const list = el("div", "clusters");
    const nav = el("nav", "pages");
    add(app, controls, nav, list);
    const redraw = () => drawGroups(list, nav);
    relation.addEventListener("change", () => {
      state.relation = relation.value;
      state.page = 0;
      redraw();
    });
    query.addEventListener("input", () => {
      state.query = query.value.trim();
      state.page = 0;
      redraw();
    });
    redraw();
  }

  function drawGroups(list, nav) {
    const shown = [];
    for (const group of groups) {
      const pairs = group.pairs.filter(pairMatches);
      if (pairs.length) shown.push({ group, pairs });
    }
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    clear(nav);
    const back = el("button", null, "← previous");
    back.type = "button";
    back.disabled = state.page === 0;
    back.addEventListener("click", () => {
      state.page -= 1;
      drawGroups(list, nav);
    });
    const next = el("button", null, "next →");
    next.type = "button";
    next.disabled = state.page >= pages - 1;
    next.addEventListener("click", () => {
      state.page += 1;
      drawGroups(list, nav);
    });
    const total = shown.reduce((n, item) => n + item.pairs.length, 0);
    const where = el("span", "where", "page " + (state.page + 1) + " of " + pages + " · " + shown.length +
      " clusters, " + total + " pairs shown");
    add(nav, back, " ", where, " ", next);
    clear(list);
    for (const item of shown.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
      add(list, drawGroup(item.group, item.pairs));
    }
    if (!data.pairs.length) add(list, el("p", null, "No duplicates, reprints or shared passages found."));
  }

  function drawGroup(group, pairs) {
    const section = el("section", "cluster");
    const cluster = group.cluster;
    if (cluster) {
      add(section, el("h2", null, "Cluster " + group.number + " · " + counted(cluster.members.length, "document")));
      const members = el("ul", "members");
      for (const n of cluster.members) {
        const item = el("li", null);
        add(item, el("span", "path", pathOf(n)), el("span", "dim", " (" + counted(data.docs[n].words, "word") + ")"));
        if (n === cluster.original) add(item, " ", el("span", "original", "likely original"));
        add(members, item);
      }
      add(section, members);
      const guess = cluster.original === null ? "original: unknown (" + cluster.reason + ")"
        : "original, a guess: " + cluster.reason;
      add(section, el("p", "dim", guess));
    } else {
      add(section, el("h2", null, "Pairs outside clusters"));
    }
    const table = el("table", "pairs");
    const head = el("tr");
    for (const name of ["relation", "A", "B", "numbers", "what differs", ""]) add(head, el("th", null, name));
    add(table, head);
    for (const i of pairs) {
      const pair = data.pairs[i];
      const row = el("tr", "pair");
      const open = el("a", "open", "side by side");
      open.href = "#pair-" + i;
      const differs = el("td", "summary", pair.summary || "");
      const guess = originalLine(pair);
      if (guess) add(differs, el("div", "dim", guess));
      add(
        row,
        add(el("td"), relationBadge(pair.relation)),
        el("td", "path", pathOf(pair.a)),
        el("td", "path", pathOf(pair.b)),
        el("td", "numbers", numbers(pair)),
        differs,
        add(el("td"), open),
      );
      add(table, row);
    }
    return add(section, table);
  }

  // ---- one pair, side by side ----------------------------------------------------------------

  // Spans arrive as arrays: start, end, kind, label, evidence, words, other start, other end,
  // moved, edits (ranges in this document).
  function drawText(column, text, spans, side, other) {
    const nodes = [];
    for (const span of spans) {
      const [start, end, kind, label, evidence, , otherStart, , moved, edits] = span;
      const classes = ["span", kind];
      if (moved) classes.push("moved");
      if (label) classes.push("lab-" + (known.has(label) ? label : "other"));
      const node = el("span", classes.join(" "));
      node.tabIndex = -1;
      node.dataset.start = String(start);
      if (label || moved) {
        const tag = el("span", "tag", [label, moved ? "moved" : null].filter(Boolean).join(" · "));
        if (evidence) add(tag, el("span", "evidence", evidence));
        add(node, tag);
      }
      if (kind === "shared" && otherStart !== null) {
        const jump = el("a", "jump", side === "a" ? "→B" : "←A");
        jump.href = "#";
        jump.title = "show this text in " + (side === "a" ? "B" : "A");
        jump.addEventListener("click", (event) => {
          event.preventDefault();
          landOn(other.nodes, otherStart);
        });
        add(node, jump);
      }
      let at = start;
      for (const [editStart, editEnd] of edits) {
        if (editStart < at || editEnd > end) continue;
        add(node, text.slice(at, editStart));
        if (editEnd > editStart) add(node, el("mark", "edit", text.slice(editStart, editEnd)));
        else add(node, el("span", "edit gap"));
        at = editEnd;
      }
      add(node, text.slice(at, end));
      add(column, node);
      nodes.push({ start, end, node });
    }
    return nodes;
  }

  // The jump from a shared span: its counterpart scrolled to the top of the other column,
  // focused and flashed.
  function landOn(nodes, offset) {
    const found = nodes.find((item) => item.start <= offset && offset < item.end);
    if (!found) return;
    for (const old of document.querySelectorAll(".span.target")) old.classList.remove("target");
    found.node.classList.add("target");
    found.node.scrollIntoView({ block: "start" });
    found.node.focus({ preventScroll: true });
  }

  function legend() {
    const box = el("p", "legend");
    add(box, el("span", "span shared", "shared"), " ", el("span", "span shared moved", "moved"), " ",
      el("mark", "edit", "edit inside shared text"), " ");
    for (const label of data.labels) add(box, add(el("span", "lab-" + label), el("span", "tag", label)));
    return box;
  }

  function showPair(i) {
    const pair = data.pairs[i];
    clear(app);
    const view = el("article", "pair-view");
    view.id = "pair-view";
    if (data.kind === "scan") {
      const back = el("a", "back", "← all clusters and pairs");
      back.href = "#";
      add(view, add(el("p"), back));
    }
    const first = pair.direction === "b_in_a" ? "B" : "A";
    const second = first === "A" ? "B" : "A";
    add(view, add(el("h2"), relationBadge(pair.relation), " " + first + " " +
      (VERB[pair.relation] || "is unrelated to") + " " + second));
    const who = el("dl", "who");
    for (const [name, n] of [["A", pair.a], ["B", pair.b]]) {
      add(who, el("dt", null, name), add(el("dd"), el("span", "path", pathOf(n)),
        el("span", "dim", " (" + counted(data.docs[n].words, "word") + ")")));
    }
    add(view, who, el("p", "numbers", numbers(pair)));
    if (pair.summary) add(view, add(el("p", "summary"), el("b", null, "differs: "), pair.summary));
    if (pair.original) {
      const reasons = el("ul", "reasons");
      for (const reason of pair.reasons) add(reasons, el("li", null, reason));
      add(view, el("p", "guess", "original, a guess: " + originalGuess(pair)), reasons);
    }
    const spans = pair.spans ? block("s" + i) : null;
    const textA = data.texts[pair.a] ? block("t" + pair.a) : null;
    const textB = data.texts[pair.b] ? block("t" + pair.b) : null;
    if (!spans || textA === null || textB === null) {
      add(view, el("p", "dim", "The texts of this pair are not in this report."));
      add(app, view);
      return;
    }
    add(view, legend());
    const columns = el("div", "columns");
    const colA = el("div", "column");
    colA.id = "text-a";
    const colB = el("div", "column");
    colB.id = "text-b";
    add(columns,
      add(el("section", "side"), el("h3", "path", "A " + pathOf(pair.a)), colA),
      add(el("section", "side"), el("h3", "path", "B " + pathOf(pair.b)), colB));
    add(view, columns);
    add(app, view);
    const a = { nodes: [] };
    const b = { nodes: [] };
    a.nodes = drawText(colA, textA, spans.a, "a", b);
    b.nodes = drawText(colB, textB, spans.b, "b", a);
    window.scrollTo(0, 0);
  }

  function route() {
    const found = /^#pair-([0-9]+)$/.exec(location.hash);
    if (data.kind === "compare") showPair(0);
    else if (found && Number(found[1]) < data.pairs.length) showPair(Number(found[1]));
    else showOverview();
  }

  window.addEventListener("hashchange", route);
  route();
  document.body.dataset.ready = "true";
})();
