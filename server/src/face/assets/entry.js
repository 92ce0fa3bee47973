// The web entry, once its word has opened it: the organisation's cards, and a conversation sealed
// in this page to the workers' devices. The site's search script runs this when the server sends
// it. Nothing is ever written to the browser: no cookie, no storage, no cache, no history entry.
// Everything this page knows lives in `entry` and goes when the page goes.
(() => {
  'use strict';

  const utf8 = new TextEncoder();
  const fromUtf8 = new TextDecoder();
  const main = document.getElementById('content');

  /** Everything the unlocked page holds: wiped on exit. */
  let entry = null;

  // ---- Exit this page: a button on every screen, Shift three times, Esc twice. The page is
  // replaced (Back does not return to it) by the site's own front page.
  function leave() {
    entry = null;
    main.replaceChildren();
    location.replace('/');
  }
  const presses = { Shift: [0, 0], Escape: [0, 0] };
  const needed = { Shift: 3, Escape: 2 };
  document.addEventListener('keydown', (event) => {
    const key = event.key;
    if (!(key in presses)) {
      presses.Shift[0] = 0;
      presses.Escape[0] = 0;
      return;
    }
    if (event.repeat) return;
    const now = performance.now();
    const [count, last] = presses[key];
    presses[key] = [now - last < 2000 ? count + 1 : 1, now];
    if (presses[key][0] >= needed[key]) leave();
  });
  document.addEventListener('click', (event) => {
    if (event.target.closest('[data-exit]')) leave();
  });

  // ---- Bytes.
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  const toBase64url = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const fromBase64url = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---- The API, in JSON, never cached, never with credentials the browser keeps.
  async function api(method, path, body, token) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: 'no-store',
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
        });
      } catch (error) {
        if (attempt < 3) {
          await wait(500 * 2 ** attempt);
          continue;
        }
        throw error;
      }
      if (response.status === 429 && attempt < 2) {
        await wait(1000 * Math.min(30, Number(response.headers.get('Retry-After')) || 1));
        continue;
      }
      const text = await response.text();
      let json = null;
      try {
        json = text.trim() ? JSON.parse(text) : null;
      } catch (error) {
        json = null;
      }
      return { status: response.status, json };
    }
  }

  // ---- HPKE (RFC 9180), base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. The
  // workers' clients open what is sealed here with a Rust HPKE library, and seal replies to the
  // key below.
  const KEM = concat(utf8.encode('KEM'), [0x00, 0x20]);
  const SUITE = concat(utf8.encode('HPKE'), [0x00, 0x20, 0x00, 0x01, 0x00, 0x01]);
  const INFO = utf8.encode('quietline web v1');
  const NONE = new Uint8Array(0);
  const BLOCK = 160;

  async function hmac(key, data) {
    const k = await crypto.subtle.importKey(
      'raw', key.length ? key : new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
  }
  const labeledExtract = (suite, salt, label, ikm) =>
    hmac(salt, concat(utf8.encode('HPKE-v1'), suite, utf8.encode(label), ikm));
  async function labeledExpand(suite, prk, label, info, length) {
    const labeled = concat([length >> 8, length & 255], utf8.encode('HPKE-v1'), suite, utf8.encode(label), info);
    let block = NONE;
    let out = NONE;
    for (let i = 1; out.length < length; i++) {
      block = await hmac(prk, concat(block, labeled, [i]));
      out = concat(out, block);
    }
    return out.slice(0, length);
  }
  async function x25519(privateKey, publicRaw) {
    const peer = await crypto.subtle.importKey('raw', publicRaw, { name: 'X25519' }, false, []);
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, privateKey, 256));
  }
  async function context(dh, encapsulated, recipient) {
    const prk = await labeledExtract(KEM, NONE, 'eae_prk', dh);
    const shared = await labeledExpand(KEM, prk, 'shared_secret', concat(encapsulated, recipient), 32);
    const schedule = concat([0],
      await labeledExtract(SUITE, NONE, 'psk_id_hash', NONE),
      await labeledExtract(SUITE, NONE, 'info_hash', INFO));
    const secret = await labeledExtract(SUITE, shared, 'secret', NONE);
    const key = await crypto.subtle.importKey(
      'raw', await labeledExpand(SUITE, secret, 'key', schedule, 16), 'AES-GCM', false, ['encrypt', 'decrypt']);
    return { key, nonce: await labeledExpand(SUITE, secret, 'base_nonce', schedule, 12) };
  }
  const pad = (bytes) => {
    const padded = new Uint8Array(Math.ceil((bytes.length + 1) / BLOCK) * BLOCK);
    padded.set(bytes);
    padded[bytes.length] = 0x80;
    return padded;
  };
  const unpad = (bytes) => {
    let end = bytes.length - 1;
    while (end >= 0 && bytes[end] === 0) end--;
    if (end < 0 || bytes[end] !== 0x80) throw new Error('padding');
    return bytes.slice(0, end);
  };
  /** Seals `text` under message id `id` to a published key (with its type byte). */
  async function seal(published, id, text) {
    const recipient = published.slice(1);
    const ephemeral = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
    const encapsulated = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
    const { key, nonce } = await context(await x25519(ephemeral.privateKey, recipient), encapsulated, recipient);
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: utf8.encode(id) }, key, pad(utf8.encode(text)));
    return concat(encapsulated, new Uint8Array(sealed));
  }
  /** Opens what a worker sealed to this page's key. */
  async function open(keys, id, content) {
    const encapsulated = content.slice(0, 32);
    const { key, nonce } = await context(await x25519(keys.privateKey, encapsulated), encapsulated, keys.publicRaw);
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: utf8.encode(id) }, key, content.slice(32));
    return fromUtf8.decode(unpad(new Uint8Array(plain)));
  }

  // ---- Codenames: words from a list, shown once, never sent. PBKDF2 turns one into the handle
  // the server knows (by a keyed hash) and the X25519 key replies are sealed to.
  const PKCS8_X25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
  function newCodename(words, count) {
    const picks = new Uint16Array(count);
    crypto.getRandomValues(picks);
    return Array.from(picks, (n) => words[n % words.length]).join(' ');
  }
  const normalise = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, '');
  async function derive(codename) {
    const base = await crypto.subtle.importKey('raw', utf8.encode(normalise(codename)), 'PBKDF2', false, ['deriveBits']);
    const bits = new Uint8Array(await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: utf8.encode('quietline web codename v1'), iterations: 600000 }, base, 512));
    const privateKey = await crypto.subtle.importKey(
      'pkcs8', concat(PKCS8_X25519, bits.slice(32)), { name: 'X25519' }, true, ['deriveBits']);
    const jwk = await crypto.subtle.exportKey('jwk', privateKey);
    return { handle: toBase64url(bits.slice(0, 32)), privateKey, publicRaw: fromBase64url(jwk.x) };
  }

  // ---- Proof of work, as for any sign-up: SHA-256(challenge ‖ counter, 8 bytes little endian)
  // with `bits` leading zero bits. WebCrypto has no synchronous hash, so this one is here; it
  // yields to the page every few thousand tries so that the exit keys keep working.
  const K = Uint32Array.from([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  /** SHA-256 over `blocks` padded blocks of `view`, into `h` (its eight state words). */
  function sha256Words(view, blocks, h, w) {
    h[0] = 0x6a09e667; h[1] = 0xbb67ae85; h[2] = 0x3c6ef372; h[3] = 0xa54ff53a;
    h[4] = 0x510e527f; h[5] = 0x9b05688c; h[6] = 0x1f83d9ab; h[7] = 0x5be0cd19;
    for (let block = 0; block < blocks; block++) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(block * 64 + i * 4);
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15], y = w[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
  }
  /** The message padded for SHA-256, in place: room for it, its 0x80 and its length in bits. */
  function padded(length) {
    const blocks = Math.ceil((length + 9) / 64);
    const data = new Uint8Array(blocks * 64);
    const view = new DataView(data.buffer);
    data[length] = 0x80;
    view.setUint32(data.length - 4, length * 8);
    return { data, view, blocks };
  }
  /** The smallest counter for which SHA-256(challenge ‖ counter) starts with `bits` zero bits
   * (at most 32, as the server sets them). */
  async function solve(challenge, bits) {
    const { data, view, blocks } = padded(challenge.length + 8);
    data.set(challenge);
    const h = new Uint32Array(8);
    const w = new Uint32Array(64);
    const at = challenge.length;
    for (let n = 0; ; n++) {
      view.setUint32(at, n >>> 0, true);
      view.setUint32(at + 4, Math.floor(n / 2 ** 32), true);
      sha256Words(view, blocks, h, w);
      if (bits === 0 || Math.clz32(h[0]) >= bits) return n;
      if (n % 65536 === 65535) {
        await wait(0);
        if (!entry) throw new Error('left');
      }
    }
  }

  // ---- The unlocked page.
  const $ = (id) => document.getElementById(id);
  const words = () => $('words').dataset;
  function say(text) {
    $('status').textContent = text;
  }
  function show(...ids) {
    for (const id of ['start', 'codename-panel', 'return', 'thread']) $(id).hidden = !ids.includes(id);
  }
  function append(who, text) {
    const item = document.createElement('li');
    item.className = who;
    const label = document.createElement('span');
    label.className = 'who';
    label.textContent = who === 'you' ? words().you : words().them;
    const body = document.createElement('p');
    body.textContent = text;
    item.append(label, body);
    $('messages').append(item);
    item.scrollIntoView({ block: 'nearest' });
  }

  /** A session for the codename's handle, again: access tokens are short. */
  async function reconnect() {
    const answer = await api('POST', '/v1/web/sessions', { handle: entry.keys.handle });
    if (answer.status !== 200 || !answer.json.session) throw new Error('session');
    entry.token = answer.json.session.access_token;
  }
  async function call(method, path, body) {
    let answer = await api(method, path, body, entry.token);
    if (answer.status === 401) {
      await reconnect();
      answer = await api(method, path, body, entry.token);
    }
    return answer;
  }

  async function send(text) {
    const ids = {};
    for (let attempt = 0; attempt < 3; attempt++) {
      const recipients = await call('GET', '/v1/web/recipients');
      if (recipients.status !== 200) break;
      const byAccount = new Map();
      for (const r of recipients.json.recipients) {
        if (!byAccount.has(r.account_id)) byAccount.set(r.account_id, []);
        byAccount.get(r.account_id).push(r);
      }
      const sends = [];
      for (const [account, devices] of byAccount) {
        ids[account] = ids[account] || crypto.randomUUID();
        const copies = [];
        for (const device of devices) {
          const content = await seal(fromBase64url(device.public_key), ids[account], text);
          copies.push({ device_id: device.device_id, content: toBase64url(content) });
        }
        sends.push({ to: account, id: ids[account], copies });
      }
      const answer = await call('POST', '/v1/web/messages', { sends });
      if (answer.status === 200) {
        append('you', text);
        say(recipients.json.state === 'waiting' ? words().waiting : words().sent);
        return true;
      }
      if (answer.status !== 409) break;
    }
    say(words().failed);
    return false;
  }

  async function poll() {
    while (entry && entry.token) {
      try {
        const page = await call('POST', '/v1/sync', {});
        if (page.status === 200) {
          const done = [];
          for (const envelope of page.json.envelopes) {
            done.push(envelope.id);
            if (envelope.type !== 'sealed') continue;
            try {
              append('them', await open(entry.keys, envelope.guid, fromBase64url(envelope.content)));
            } catch (error) {
              // Not for this key: nothing to show.
            }
          }
          if (done.length) await call('POST', '/v1/messages/ack', { ids: done });
        }
      } catch (error) {
        // The network came and went: the next round tries again.
      }
      await wait(3000);
    }
  }

  async function enterThread() {
    show('thread');
    $('thread-heading').focus();
    poll();
  }

  function unlocked(data) {
    entry = {
      pass: data.pass,
      words: data.words,
      codenameWords: data.codename_words,
      keys: null,
      token: null,
      draft: null,
      codename: null,
    };
    $('entry-heading').focus();

    $('card-search').addEventListener('input', (event) => {
      const wanted = event.target.value.trim().toLowerCase();
      let shown = 0;
      for (const card of document.querySelectorAll('.card')) {
        card.hidden = wanted !== '' && !card.dataset.search.includes(wanted);
        if (!card.hidden) shown++;
      }
      $('no-cards').hidden = shown !== 0;
    });

    $('start').addEventListener('submit', (event) => {
      event.preventDefault();
      const text = $('start-text').value.trim();
      if (!text) {
        $('start-text').focus();
        return;
      }
      entry.draft = {
        text,
        language: $('start-language').value,
        topic: $('start-topic') ? $('start-topic').value : '',
      };
      entry.codename = newCodename(entry.words, entry.codenameWords);
      $('codename').textContent = entry.codename;
      show('codename-panel');
      $('codename-heading').focus();
    });

    $('codename-kept').addEventListener('click', async () => {
      const draft = entry.draft;
      const codename = entry.codename;
      entry.codename = null;
      $('codename').textContent = '';
      show();
      say(words().working);
      try {
        entry.keys = await derive(codename);
        const challenge = await api('POST', '/v1/signup/challenge', {});
        const solution = await solve(fromBase64url(challenge.json.challenge), challenge.json.bits);
        const signup = await api('POST', '/v1/web/seekers', {
          pass: entry.pass,
          handle: entry.keys.handle,
          public_key: toBase64url(concat([0x05], entry.keys.publicRaw)),
          challenge: challenge.json.challenge,
          solution,
        });
        if (signup.status !== 200) throw new Error('signup');
        entry.token = signup.json.access_token;
        const opening = { languages: [draft.language] };
        if (draft.topic) opening.topic = draft.topic;
        const conversation = await call('POST', '/v1/conversations', opening);
        if (conversation.status !== 200) throw new Error('conversation');
        await enterThread();
        await send(draft.text);
      } catch (error) {
        if (entry) {
          say(words().failed);
          show('start', 'return');
        }
      }
    });

    $('return').addEventListener('submit', async (event) => {
      event.preventDefault();
      const codename = $('return-codename').value;
      if (!normalise(codename)) return;
      $('return-none').hidden = true;
      say(words().working);
      const keys = await derive(codename);
      $('return-codename').value = '';
      const answer = await api('POST', '/v1/web/sessions', { handle: keys.handle });
      say('');
      if (answer.status !== 200 || !answer.json.session) {
        $('return-none').hidden = false;
        return;
      }
      entry.keys = keys;
      entry.token = answer.json.session.access_token;
      await enterThread();
    });

    $('reply').addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = $('reply-text').value.trim();
      if (!text) return;
      say(words().working);
      if (await send(text)) $('reply-text').value = '';
    });

    $('delete').addEventListener('click', async () => {
      try {
        // Through `call`, so that an access token that ran out is renewed and the wipe happens.
        await call('POST', '/v1/quick-exit', {});
      } finally {
        leave();
      }
    });
  }

  const data = JSON.parse(document.getElementById('entry-data').textContent);
  document.getElementById('entry-data').remove();
  unlocked(data);
})();
