// Switchboard's GraphiQL page: renders GraphiQL (window.GraphiQL, React and
// ReactDOM come from the vendored bundles loaded before this script) against
// this server's /graphql, with subscriptions over the same URL
// (graphql-transport-ws). The settings are a JSON document in the page, not
// script, so the page needs no inline script.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('graphiql-config').textContent);

  function endpoint(socket) {
    var url = new URL(config.endpoint, window.location.href);
    if (socket) {
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    }
    return url.toString();
  }

  var fetcher = GraphiQL.createFetcher({
    url: endpoint(false),
    subscriptionUrl: endpoint(true),
    // HTTP requests carry the headers; a socket sends them in connection_init.
    headers: config.headers,
    wsConnectionParams: config.headers,
  });

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
    })
  );
})();
