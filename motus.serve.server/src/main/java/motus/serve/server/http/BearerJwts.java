package motus.serve.server.http;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.URI;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.Set;
import motus.serve.server.conversation.Caller;

/**
 * Bearer JWTs, checked by Nimbus JOSE + JWT against a JWKS (a file, or an https URL it fetches
 * and caches): signed with RS256 or ES256 by a key the set holds, from the issuer, for the
 * audience, within the clock skew, with a subject, which is the caller. Unsigned tokens
 * ({@code alg: none}) and every other algorithm are refused.
 */
final class BearerJwts {

    /** Why a token was refused, in words a client can act on. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param jwks a JWKS file's path, or an http(s) URL
     * @throws IllegalArgumentException if the file does not read as a JWKS, or the URL is not one
     */
    BearerJwts(String jwks, String issuer, String audience, Duration clockSkew) {
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                source(jwks)));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp"));
        claims.setMaxClockSkew((int) clockSkew.toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    private static JWKSource<SecurityContext> source(String jwks) {
        try {
            if (jwks.startsWith("https://") || jwks.startsWith("http://")) {
                return JWKSourceBuilder.create(new URI(jwks).toURL()).build();
            }
            return new ImmutableJWKSet<>(JWKSet.load(Path.of(jwks).toFile()));
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("jwt-jwks " + jwks + " is not a URL: " + e.getMessage(), e);
        } catch (IOException | ParseException e) {
            throw new IllegalArgumentException("jwt-jwks " + jwks + " is not a readable JWKS: " + e.getMessage(), e);
        }
    }

    /** The caller a token names: its subject, never an admin. */
    Caller verify(String token) throws Refused {
        try {
            JWT jwt = JWTParser.parse(token);
            if (jwt instanceof PlainJWT) {
                throw new Refused("an unsigned token (alg: none) is refused"); // Nimbus's own words name its classes
            }
            return Caller.named(processor.process(jwt, null).getSubject(), false);
        } catch (ParseException e) {
            throw new Refused("the token is not a JWT");
        } catch (BadJOSEException e) {
            throw new Refused(e.getMessage());
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new Refused("the token's signature could not be checked: " + e.getMessage());
        }
    }
}
