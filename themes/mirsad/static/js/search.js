/* Mirsad search (plugins/mirsad_search): runs on {lang}/search.html after
   the vendored lunr.js, the language's stemmer and the index script, which
   sets window.MIRSAD_SEARCH = {lang, maxResults, text, docs, index}.

   A query is read exactly as the build read the briefings
   (plugins/mirsad_search/analysis.py): fold with the exported table, split
   on what is not a letter or digit, then the index's own pipeline
   (stopwords, stemmer). Only the Arabic light stemmer is code here, a
   transcription of mirsad_text.arabic.light_stem over its exported affix
   lists; the browser tests compare both on every word of the sample site. */
(function () {
  "use strict";

  var data = window.MIRSAD_SEARCH;
  var root = document.getElementById("search");
  if (!root) { return; }
  var form = root.querySelector("form");
  var input = document.getElementById("search-query");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!data || !window.lunr) {
    status.textContent = root.dataset.broken;
    return;
  }
  var text = data.text;
  var SEPARATORS = /[^\p{L}\p{N}]+/u;

  function fold(value) {
    var out = "";
    for (var ch of value.normalize("NFKC").toLowerCase()) {
      var mapped = text.fold[ch];
      out += mapped === undefined ? ch : mapped;
    }
    return out;
  }

  function words(value) {
    return fold(value).split(SEPARATORS).filter(Boolean);
  }

  function lightStem(word) {
    // mirsad_text.arabic.light_stem; lengths in code points, as in Python.
    var a = text.arabic;
    var length = function (s) { return Array.from(s).length; };
    if (word.startsWith(a.conjunction) && length(word) >= 4) { word = word.slice(a.conjunction.length); }
    var prefix = a.prefixes.find(function (p) { return word.startsWith(p) && length(word) - length(p) >= 2; });
    if (prefix) {
      word = word.slice(prefix.length);
    } else {
      while (word && a.proclitics.indexOf(word.charAt(0)) >= 0 && length(word) >= 4) {
        word = word.slice(1);
      }
    }
    a.suffixes.forEach(function (s) {
      if (word.endsWith(s) && length(word) - length(s) >= 2) { word = word.slice(0, -s.length); }
    });
    return word;
  }

  function register(fn, label) {
    if (!lunr.Pipeline.registeredFunctions[label]) { lunr.Pipeline.registerFunction(fn, label); }
  }

  /* A stemmer named by the index data: search.js's Arabic one, or a
     vendored lunr one ("lunr.stemmer", "lunr.fr.stemmer"). */
  function stemmer(name) {
    if (name === "arabic") { return function (token) { return token.update(lightStem); }; }
    var fn = name.split(".").reduce(function (object, key) { return object && object[key]; }, window);
    return function (token) { return fn(token); };
  }

  var stop = new Set(text.stop.words);
  register(function (token) { return stop.has(token.toString()) ? undefined : token; }, text.stop.label);
  if (text.stem) { register(stemmer(text.stem.function), text.stem.label); }
  var index = lunr.Index.load(data.index);
  // bench/bench_bundle.py times the page up to here.
  if (window.performance && performance.mark) { performance.mark("mirsad-search-ready"); }

  /* The terms of a query, as the index holds them. */
  function terms(query) {
    var tokens = words(query).map(function (w) { return new lunr.Token(w, {}); });
    var seen = [];
    index.pipeline.run(tokens).forEach(function (token) {
      var term = token.toString();
      if (term && seen.indexOf(term) < 0) { seen.push(term); }
    });
    return seen;
  }

  /* Every term is required; a term of 3 letters or more also matches as a
     prefix (words being typed, compounds), exact matches ranking first. */
  function search(query) {
    var wanted = terms(query);
    if (!wanted.length) { return []; }
    var Q = lunr.Query;
    return index.query(function (q) {
      wanted.forEach(function (term) {
        if (Array.from(term).length >= 3) {
          q.term(term, { usePipeline: false, boost: 10 });
          q.term(term, { usePipeline: false, wildcard: Q.wildcard.TRAILING, presence: Q.presence.REQUIRED });
        } else {
          q.term(term, { usePipeline: false, presence: Q.presence.REQUIRED });
        }
      });
    });
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }

  function show(doc) {
    var item = element("li", "search-result");
    var title = element("h2", "search-result__title");
    var link = element("a", "", doc.t);
    link.href = doc.u;
    title.appendChild(link);
    var meta = element("p", "briefing-meta");
    var time = element("time", "", doc.d);
    time.dateTime = doc.i;
    meta.appendChild(time);
    item.appendChild(title);
    if (doc.m) { item.appendChild(element("p", "machine-label", doc.m)); }
    item.appendChild(meta);
    if (doc.s) {
      var snippet = element("p", "search-result__snippet", doc.s);
      if (doc.l) { snippet.lang = doc.l; snippet.dir = "auto"; }
      item.appendChild(snippet);
    }
    return item;
  }

  function render(query) {
    list.textContent = "";
    if (!query.trim()) {
      status.textContent = root.dataset.empty;
      return;
    }
    var results = search(query);
    status.textContent = results.length
      ? root.dataset.found.replace("{count}", String(results.length))
      : root.dataset.none;
    results.slice(0, data.maxResults).forEach(function (result) {
      list.appendChild(show(data.docs[Number(result.ref)]));
    });
  }

  function remember(query) {
    // Keeps ?q= in the address, so Back from a result shows the results
    // again; some browsers refuse this on file:// pages, which is harmless.
    try {
      var url = new URL(window.location.href);
      url.searchParams.set("q", query);
      window.history.replaceState(null, "", url.href);
    } catch (error) { /* the search still works */ }
  }

  // For other scripts and the tests: the same reading of a query as the page's.
  window.mirsadSearch = {
    fold: fold,
    terms: terms,
    search: function (query) { return search(query).map(function (r) { return data.docs[Number(r.ref)]; }); }
  };

  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { render(input.value); remember(input.value); }, 200);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    render(input.value);
    remember(input.value);
  });

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  render(initial);
  // Arriving from the header's form, the reader refines the query or tabs
  // on to the results.
  input.focus();
}());
