/* hankekg: filters and offline search of the projects index.
   Reads the JSON index embedded in index.html (no network, works from file://). */
(function () {
  "use strict";

  // Case and accents folded as the site writer folds the index (ä → a, ö → o).
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var source = document.getElementById("hk-index");
  var form = document.getElementById("filters");
  if (!source || !form) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var q = document.getElementById("q");
  var selects = {
    r: document.getElementById("f-region"),
    f: document.getElementById("f-funder"),
    t: document.getElementById("f-tg"),
    y: document.getElementById("f-year")
  };
  var count = document.getElementById("count");
  var other = document.getElementById("other-matches");
  var otherList = document.getElementById("other-list");
  var rows = {};
  data.projects.forEach(function (p) {
    rows[p.c] = document.getElementById("p-" + p.c);
  });

  function matches(p, terms) {
    var keys = ["r", "f", "t"];
    for (var i = 0; i < keys.length; i++) {
      var want = selects[keys[i]].value;
      if (want && p[keys[i]].indexOf(want) < 0) {
        return false;
      }
    }
    var year = selects.y.value;
    if (year && p.y.indexOf(parseInt(year, 10)) < 0) {
      return false;
    }
    return terms.every(function (t) { return p.s.indexOf(t) >= 0; });
  }

  function showOthers(terms) {
    while (otherList.firstChild) {
      otherList.removeChild(otherList.firstChild);
    }
    if (!terms.length) {
      other.hidden = true;
      return;
    }
    var found = data.others.filter(function (o) {
      return terms.every(function (t) { return o.s.indexOf(t) >= 0; });
    }).slice(0, 30);
    found.forEach(function (o) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = o.u;
      a.textContent = o.n;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" (" + o.k + ")"));
      otherList.appendChild(li);
    });
    other.hidden = found.length === 0;
  }

  function apply() {
    var terms = fold(q.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    data.projects.forEach(function (p) {
      var ok = matches(p, terms);
      if (rows[p.c]) {
        rows[p.c].hidden = !ok;
      }
      if (ok) {
        shown += 1;
      }
    });
    count.textContent = shown + " / " + data.projects.length + " hanketta / projects";
    showOthers(terms);
  }

  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) {
    q.value = params.get("q");
  }
  [["region", "r"], ["funder", "f"], ["tg", "t"], ["year", "y"]].forEach(function (pair) {
    var value = params.get(pair[0]);
    if (value) {
      selects[pair[1]].value = value;
    }
  });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    apply();
  });
  form.addEventListener("reset", function () {
    window.setTimeout(apply, 0);
  });
  apply();
}());
