// The hall's wall display: new calls arrive as server-sent events and go to the top of the list, within a
// second of the window pressing the button. Speech is optional (browsers only speak after a click).
(function () {
  var hall = document.body.getAttribute("data-hall");
  var list = document.getElementById("calls");
  var status = document.getElementById("display-status");
  var toggle = document.getElementById("speech-toggle");
  var speak = false;
  toggle.addEventListener("click", function () {
    speak = !speak;
    toggle.setAttribute("aria-pressed", speak ? "true" : "false");
    toggle.textContent = speak ? "关闭语音播报" : "开启语音播报";
  });
  function show(call) {
    var row = document.createElement("tr");
    row.className = "display-new";
    [call.number, call.window, call.at].forEach(function (text, index) {
      var cell = document.createElement("td");
      cell.textContent = text;
      if (index === 0) cell.className = "display-number";
      if (index === 1) cell.className = "display-window";
      row.appendChild(cell);
    });
    list.insertBefore(row, list.firstChild);
    while (list.children.length > 8) list.removeChild(list.lastChild);
    if (speak && window.speechSynthesis) {
      var words = new SpeechSynthesisUtterance(call.announcement);
      words.lang = "zh-CN";
      window.speechSynthesis.speak(words);
    }
  }
  function connect() {
    var source = new EventSource("/hall/" + encodeURIComponent(hall) + "/display/events");
    source.addEventListener("open", function () { status.textContent = "实时更新中"; });
    source.addEventListener("call", function (event) { show(JSON.parse(event.data)); });
    source.addEventListener("error", function () { status.textContent = "连接中断，正在重连…"; });
  }
  connect();
})();
