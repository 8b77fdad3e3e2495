export interface ScriptConfig {
  /** Absolute URL of the click beacon, e.g. http://127.0.0.1:4010/__sandbox/click */
  clickUrl: string;
  param: string;
  cookieDays: number;
}

/**
 * A PartneroJS stand-in: stores `?ref=KEY` in the first-party `partnero_referral` cookie (readable
 * by page scripts, like the real one) and reports the click. Keys outside [A-Za-z0-9_-]{1,64} are
 * ignored so a crafted link cannot overwrite a valid cookie with junk.
 */
export function partneroScript(config: ScriptConfig): string {
  const cfg = JSON.stringify({
    clickUrl: config.clickUrl,
    param: config.param,
    maxAge: Math.round(config.cookieDays * 86400),
  }).replace(/</g, '\\u003c');
  return `/* Partnero sandbox: PartneroJS-compatible referral tracking */
(function (w, d) {
  'use strict';
  var cfg = ${cfg};
  var KEY_RE = /^[A-Za-z0-9_-]{1,64}$/;
  var previous = w.po;
  function po() {
    po.q.push(Array.prototype.slice.call(arguments));
    return po;
  }
  po.q = previous && Array.isArray(previous.q) ? previous.q.slice() : [];
  po.loaded = true;
  w.po = po;

  function readParam(search, name) {
    var escaped = name.replace(/[.*+?^\${}()|[\\]\\\\]/g, '\\\\$&');
    var match = new RegExp('[?&]' + escaped + '=([^&#]*)').exec(search || '');
    if (!match) return null;
    try {
      return decodeURIComponent(match[1].replace(/\\+/g, ' '));
    } catch (e) {
      return null;
    }
  }

  var key = readParam(w.location && w.location.search, cfg.param);
  if (key === null || !KEY_RE.test(key)) return;
  d.cookie = 'partnero_referral=' + key + '; path=/; max-age=' + cfg.maxAge + '; SameSite=Lax';
  var url = cfg.clickUrl + '?key=' + encodeURIComponent(key);
  try {
    if (typeof w.fetch === 'function') {
      w.fetch(url, { mode: 'no-cors', keepalive: true, credentials: 'omit' }).catch(function () {});
    } else if (typeof w.Image === 'function') {
      new w.Image().src = url;
    }
  } catch (e) {}
})(window, document);
`;
}
