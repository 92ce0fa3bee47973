// The site's search box. The server searches the articles; a link that ends in `#…` carries a key
// that the server may answer with a page of its own, which this script shows and starts. The key
// leaves the address bar at once, so the history holds only the site's front page.
(() => {
  'use strict';

  let key = '';
  if (location.hash.length > 1) {
    key = decodeURIComponent(location.hash.slice(1));
    history.replaceState(null, '', location.pathname + location.search);
  }
  const main = document.getElementById('content');

  document.addEventListener('submit', async (event) => {
    if (event.target.id !== 'site-search') return;
    event.preventDefault();
    const form = new URLSearchParams({
      q: document.getElementById('q').value,
      k: key,
      l: Array.from(navigator.languages || []).join(','),
    });
    let answer;
    try {
      answer = await fetch('/search', { method: 'POST', body: form, cache: 'no-store', credentials: 'omit' });
    } catch (problem) {
      return;
    }
    if (!answer.ok) return;
    main.innerHTML = await answer.text();
    // A page the server sent may start its own script (allowed by this page's policy by hash).
    for (const old of main.querySelectorAll('script:not([type])')) {
      const script = document.createElement('script');
      script.textContent = old.textContent;
      old.replaceWith(script);
    }
    const focus = main.querySelector('[data-focus]');
    if (focus) focus.focus();
  });
})();
