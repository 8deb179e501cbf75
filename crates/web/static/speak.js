// 朗读本页: the browser's own speech synthesis reads the page (or the part the button names) aloud in
// Chinese, for people who find small print hard; pressed again, it stops. Without speech synthesis the
// button stays hidden.
(function () {
  var button = document.getElementById('read-aloud');
  if (!button || !('speechSynthesis' in window)) { return; }
  var idle = button.textContent;
  var stop = function () {
    window.speechSynthesis.cancel();
    button.setAttribute('aria-pressed', 'false');
    button.textContent = idle;
  };
  button.hidden = false;
  button.addEventListener('click', function () {
    if (button.getAttribute('aria-pressed') === 'true') { stop(); return; }
    var target = document.querySelector(button.getAttribute('data-read') || 'main') || document.body;
    var utterance = new SpeechSynthesisUtterance(target.innerText);
    utterance.lang = 'zh-CN';
    utterance.rate = 0.9;
    utterance.onend = stop;
    window.speechSynthesis.speak(utterance);
    button.setAttribute('aria-pressed', 'true');
    button.textContent = '停止朗读';
  });
})();
