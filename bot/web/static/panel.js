// The panel's only script (progressive enhancement; every page works without it):
// inside Telegram, Telegram's theme colours, and the Mini App's sign-in with its initData.
"use strict";
(function () {
  var THEME = {
    bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
    button_color: "--button", button_text_color: "--button-text", secondary_bg_color: "--secondary-bg"
  };
  function launchParams() {
    var hash = window.location.hash.slice(1);
    var params = new URLSearchParams(hash);
    return params.get("tgWebAppData") ? params : null;
  }
  function applyTheme(json) {
    try {
      var theme = JSON.parse(json);
      Object.keys(THEME).forEach(function (key) {
        if (/^#[0-9a-fA-F]{6}$/.test(theme[key] || "")) {
          document.documentElement.style.setProperty(THEME[key], theme[key]);
        }
      });
    } catch (e) { /* no theme: the panel's own colours */ }
  }
  var launch = launchParams();
  if (launch && launch.get("tgWebAppThemeParams")) {
    sessionStorage.setItem("tgTheme", launch.get("tgWebAppThemeParams"));
  }
  if (sessionStorage.getItem("tgTheme")) {
    applyTheme(sessionStorage.getItem("tgTheme"));
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("mini-app");
    if (!box) { return; }
    var status = document.getElementById("mini-app-status");
    if (!launch) { status.textContent = box.dataset.outside; return; }
    var body = new URLSearchParams();
    body.set("init_data", launch.get("tgWebAppData"));  // exactly as Telegram gave it
    history.replaceState(null, "", window.location.pathname);  // the data leaves the address bar
    fetch(box.dataset.exchange, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (data) { return [response.ok, data]; }); })
      .then(function (result) {
        if (result[0] && result[1].next) { window.location.replace(result[1].next); }
        else { status.textContent = box.dataset.refused; }
      })
      .catch(function () { status.textContent = box.dataset.refused; });
  });
})();
