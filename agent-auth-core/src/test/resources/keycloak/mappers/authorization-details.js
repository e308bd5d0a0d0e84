// Keycloak keeps each extra parameter of a CIBA request (here RFC 9396 authorization_details) as a client session
// note; this mapper puts it into the access token, where the API checks it. Nothing else reads or changes it.
var client = keycloakSession.getContext().getClient();
var clientSession = client == null ? null : userSession.getAuthenticatedClientSessionByClient(client.getId());
exports = clientSession == null ? null : clientSession.getNote("ciba_backchannel_request_param_authorization_details");
