// The OAuth callback page: tell the chat window, then close this popup.
'use strict';
const status = document.body.dataset.status;
if (window.opener && !window.opener.closed) {
  window.opener.postMessage({type: 'agentauth-consent', status: status}, location.origin);
}
if (status === 'COMPLETED' || status === 'DENIED') {
  setTimeout(() => window.close(), 400);
}
