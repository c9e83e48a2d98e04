package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer JWTs against a JWKS file, as an OIDC provider would sign them: RS256 and ES256 tokens
 * name their subjects, whose sessions are their own; every token that should not pass is refused
 * with 401 and a detail that says why.
 */
class JwtTest {

    private static final String ISSUER = "https://login.example.test/";
    private static final String AUDIENCE = "motus-serve";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    private static RSAKey rsa;
    private static ECKey ec;
    private static AgentServer server;

    @BeforeAll
    static void start() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        server = TestAgents.standIns()
                .set(Settings.JWT_JWKS, jwks.toString())
                .set(Settings.JWT_ISSUER, ISSUER)
                .set(Settings.JWT_AUDIENCE, AUDIENCE)
                .build().start("127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void eachSubjectSeesItsOwnSessionsOnly() throws Exception {
        String alice = rs256(claims("alice").build());
        String bob = es256(claims("bob").build());
        HttpResponse<String> created = send(alice, "POST", "/sessions");
        assertEquals(201, created.statusCode(), created.body());
        String id = Api.JSON.readTree(created.body()).path("session_id").asText();
        assertEquals(200, send(alice, "GET", "/sessions/" + id).statusCode());
        for (String[] route : new String[][] {{"GET", ""}, {"GET", "/messages"}, {"GET", "/events"}, {"DELETE", ""},
                {"POST", "/messages", "{\"content\": \"hi\"}"},
                {"POST", "/resume", "{\"interrupt_id\": \"q\", \"value\": true}"}, {"POST", "/cancel", null}}) {
            HttpResponse<String> refused = send(bob, route[0], "/sessions/" + id + route[1], route.length > 2 ? route[2] : null);
            assertEquals(404, refused.statusCode(), route[0] + " " + route[1] + ": another subject finds no such session");
        }
        assertEquals("[]", send(bob, "GET", "/sessions").body());
        assertEquals(0, Api.JSON.readTree(send(alice, "GET", "/sessions/" + id + "/messages").body()).size(),
                "nothing bob sent reached it");
        assertEquals(204, send(alice, "DELETE", "/sessions/" + id).statusCode());
    }

    @Test
    void everyTokenThatShouldNotPassIsRefusedSayingWhy() throws Exception {
        Instant past = Instant.now().minusSeconds(3600);
        expectRefused(rs256(claims("alice").expirationTime(Date.from(past)).build()), "Expired JWT");
        expectRefused(rs256(claims("alice").audience("another-service").build()), "aud claim");
        expectRefused(rs256(claims("alice").issuer("https://evil.example.test/").build()), "iss");
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-unknown").generate();
        expectRefused(sign(claims("alice").build(), stranger), "no matching key");
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("rsa-1").generate(); // a known key id, another key
        expectRefused(sign(claims("alice").build(), impostor), "Invalid signature");
        expectRefused(new PlainJWT(claims("alice").build()).serialize(), "unsigned token (alg: none)");
        expectRefused(rs256(new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE)
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build()), "sub");
        HttpResponse<String> key = send("not-a-token", "GET", "/sessions");
        assertEquals(401, key.statusCode(), "nor is a key a server without keys does not have");
    }

    /** An OIDC provider's JWKS is a URL, which the server fetches (and caches) on the first token. */
    @Test
    void theKeysMayComeFromTheProvidersUrl() throws Exception {
        WebServer provider = WebServer.builder().host("127.0.0.1").port(0)
                .routing(routing -> routing.get("/.well-known/jwks.json", (request, response) -> response
                        .header(HeaderNames.CONTENT_TYPE, "application/json")
                        .send(new JWKSet(List.of(rsa.toPublicJWK())).toString())))
                .build().start();
        AgentServer fetching = TestAgents.standIns()
                .set(Settings.JWT_JWKS, "http://127.0.0.1:" + provider.port() + "/.well-known/jwks.json")
                .set(Settings.JWT_ISSUER, ISSUER)
                .set(Settings.JWT_AUDIENCE, AUDIENCE)
                .build().start("127.0.0.1", 0);
        try {
            HttpResponse<String> listed = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fetching.port()
                    + "/sessions")).header("Authorization", "Bearer " + rs256(claims("carol").build())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, listed.statusCode(), listed.body());
        } finally {
            fetching.stop();
            provider.stop();
        }
    }

    private static void expectRefused(String token, String why) throws Exception {
        HttpResponse<String> refused = send(token, "GET", "/sessions");
        assertEquals(401, refused.statusCode(), refused.body());
        assertTrue(refused.body().startsWith("{\"detail\":\"Invalid token: ") && refused.body().contains(why),
                refused.body());
    }

    private static JWTClaimsSet.Builder claims(String subject) {
        return new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience(AUDIENCE)
                .expirationTime(Date.from(Instant.now().plusSeconds(300)));
    }

    private static String rs256(JWTClaimsSet claims) throws Exception {
        return sign(claims, rsa);
    }

    private static String sign(JWTClaimsSet claims, RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String es256(JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(ec));
        return jwt.serialize();
    }

    private static HttpResponse<String> send(String token, String method, String path) throws Exception {
        return send(token, method, path, null);
    }

    private static HttpResponse<String> send(String token, String method, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }
}
