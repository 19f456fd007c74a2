// Filters for the page: by actor or target (an actor matches its parts, as `show --involving`
// does), type, status as shown, and words in the text. Without this script the page is whole.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var events = Array.prototype.slice.call(document.querySelectorAll("article.event"));
  if (!events.length) { return; }  // nothing to filter: the form stays hidden
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.month, section.year"));
  var texts = null;  // each event's text, folded on the first search
  // As `show --text` compares text (query.search_fold): case folded, the dot that folding
  // leaves after an 'İ' dropped; 'ß', a final 'ς' and the ligatures ('ﬁ') as Unicode's case
  // folding has them (NFKC's compatibility forms: it may find a little more, never less).
  function fold(text) {
    return text.normalize("NFKC").toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ")
      .replace(/i\u0307/g, "i").normalize("NFKC");
  }
  // What `show --text` searches: the title, the summary, the quotes and the tags (each shown
  // after a '#'), not the rest of the article (its type, its sources, the titles it links to).
  function searchable(event) {
    var parts = [];
    event.querySelectorAll("h4, .summary, blockquote, .tag").forEach(function (node) {
      parts.push(node.classList.contains("tag") ? node.textContent.slice(1) : node.textContent);
    });
    return fold(parts.join("\n"));
  }
  function involves(event, party) {
    var names = event.getAttribute("data-involving").split(" ");
    for (var i = 0; i < names.length; i++) {
      if (names[i] === party || names[i].indexOf(party + "/") === 0) { return true; }
    }
    return false;
  }
  function apply() {
    var party = form.elements.party.value;
    var type = form.elements.type.value;
    var status = form.elements.status.value;
    var words = fold(form.elements.q.value).split(/\s+/).filter(Boolean);
    if (words.length && texts === null) {
      texts = events.map(searchable);
    }
    var shown = 0;
    events.forEach(function (event, index) {
      var keep = (!type || event.getAttribute("data-type") === type) &&
        (!status || event.getAttribute("data-status") === status) &&
        (!party || involves(event, party)) &&
        words.every(function (word) { return texts[index].indexOf(word) !== -1; });
      event.hidden = !keep;
      if (keep) { shown += 1; }
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("article.event:not([hidden])");
    });
    form.elements.shown.value = shown === events.length
      ? "All " + events.length + " events shown."
      : shown + " of " + events.length + " events shown.";
  }
  // A link to an event that the filters hide shows it: they are cleared first. (An anchor
  // is ASCII letters, digits, '-', '.' and '_': a hash is its id as it is.)
  function revealing(hash) {
    var target = hash.length > 1 && document.getElementById(hash.slice(1));
    if (target && target.hidden) { form.reset(); apply(); }
    return target;
  }
  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey ||
        e.altKey) { return; }  // another tab or window: this page stays as it is
    var link = e.target.closest ? e.target.closest('a[href^="#"]') : null;
    if (link) { revealing(link.getAttribute("href")); }
  });
  window.addEventListener("hashchange", function () {
    var target = revealing(location.hash);
    if (target) { target.scrollIntoView(); }
  });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  // Back to the page, the browser puts the controls' values back after this script ran.
  window.addEventListener("pageshow", apply);
  form.hidden = false;
  apply();
})();
