/* Voucher codes in the browser: the same normalisation and Damm check as
   voucher/domain/codes.py, so a mistyped code is caught before any request.
   Kept in step by tests/web/browser/test_desk_browser.py (runs both on the same inputs). */
(function (global) {
  "use strict";
  var TABLE = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9], [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0]];
  var CODE_LENGTH = 24;
  var AZERTY = {"&": "1", "\u00e9": "2", "\"": "3", "'": "4", "(": "5", "-": "6",
                "\u00e8": "7", "_": "8", "\u00e7": "9", "\u00e0": "0"};
  var LOOKALIKES = {"O": "0", "I": "1", "L": "1"};
  var SEPARATORS = " \t\u00a0\u202f.-/";

  function normalise(raw) {
    var text = String(raw || "").trim();
    var chars = Array.from(text);
    var azerty = chars.some(function (ch) { return ch !== "-" && Object.prototype.hasOwnProperty.call(AZERTY, ch); });
    var out = "";
    chars.forEach(function (ch) {
      if (azerty && Object.prototype.hasOwnProperty.call(AZERTY, ch)) { out += AZERTY[ch]; return; }
      if (SEPARATORS.indexOf(ch) >= 0) { return; }
      var up = ch.toUpperCase();
      out += Object.prototype.hasOwnProperty.call(LOOKALIKES, up) ? LOOKALIKES[up] : up;
    });
    return out;
  }

  function isValid(digits) {
    if (!/^[0-9]+$/.test(digits) || digits.length !== CODE_LENGTH) { return false; }
    var interim = 0;
    for (var i = 0; i < digits.length; i++) { interim = TABLE[interim][digits.charCodeAt(i) - 48]; }
    return interim === 0;
  }

  /* Digits only but the wrong length: what is missing or extra (same words as
     voucher/domain/codes.py length_problem), else null. */
  function lengthProblem(digits) {
    if (!/^[0-9]+$/.test(digits) || digits.length === CODE_LENGTH) { return null; }
    var gap = CODE_LENGTH - digits.length;
    var plural = Math.abs(gap) > 1 ? "s" : "";
    if (gap > 0) { return "Code incomplet : il manque " + gap + " chiffre" + plural + " (" + CODE_LENGTH + " attendus)."; }
    return "Code trop long : " + (-gap) + " chiffre" + plural + " en trop (" + CODE_LENGTH + " attendus).";
  }

  global.VoucherCodes = {normalise: normalise, isValid: isValid, lengthProblem: lengthProblem,
                         CODE_LENGTH: CODE_LENGTH};
})(window);
