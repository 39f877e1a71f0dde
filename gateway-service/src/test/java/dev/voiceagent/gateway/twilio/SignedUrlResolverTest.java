package dev.voiceagent.gateway.twilio;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

class SignedUrlResolverTest {

    private static final InetSocketAddress PROXY = new InetSocketAddress("10.1.2.3", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("203.0.113.9", 40000);
    private final SignedUrlResolver resolver = new SignedUrlResolver("https://voice.example.com/", List.of("10.0.0.0/8"));

    @Test
    void usesThePublicBaseUrlWithPathAndQuery() {
        assertThat(resolver.resolve("/api/v1/incoming-call", null, new HttpHeaders(), STRANGER))
                .isEqualTo("https://voice.example.com/api/v1/incoming-call");
        assertThat(resolver.resolve("/api/v1/call-status", "bodySHA256=abc", new HttpHeaders(), STRANGER))
                .isEqualTo("https://voice.example.com/api/v1/call-status?bodySHA256=abc");
    }

    @Test
    void usesForwardedHeadersFromTrustedProxies() {
        HttpHeaders headers = forwarded("https", "edge.example.com", "443");
        assertThat(resolver.resolve("/api/v1/incoming-call", null, headers, PROXY))
                .isEqualTo("https://edge.example.com/api/v1/incoming-call");
        assertThat(resolver.resolve("/p", null, forwarded("http", "edge.example.com", "8080"), PROXY))
                .isEqualTo("http://edge.example.com:8080/p");
        assertThat(resolver.resolve("/p", null, forwarded("https", "edge.example.com:8443", null), PROXY))
                .isEqualTo("https://edge.example.com:8443/p");
        assertThat(resolver.resolve("/p", null, forwarded("https, http", "a.example.com, b", null), PROXY))
                .isEqualTo("https://a.example.com/p");
    }

    @Test
    void ignoresForwardedHeadersFromAnyoneElse() {
        HttpHeaders headers = forwarded("http", "attacker.example.com", "80");
        assertThat(resolver.resolve("/api/v1/incoming-call", null, headers, STRANGER))
                .isEqualTo("https://voice.example.com/api/v1/incoming-call");
        assertThat(resolver.resolve("/api/v1/incoming-call", null, headers, null))
                .isEqualTo("https://voice.example.com/api/v1/incoming-call");
    }

    @Test
    void matchesSingleAddressesAndBlocks() {
        SignedUrlResolver single = new SignedUrlResolver("http://x", List.of("127.0.0.1", "192.168.0.0/23", "::1"));
        assertThat(single.trusted(new InetSocketAddress("127.0.0.1", 1))).isTrue();
        assertThat(single.trusted(new InetSocketAddress("127.0.0.2", 1))).isFalse();
        assertThat(single.trusted(new InetSocketAddress("192.168.1.200", 1))).isTrue();
        assertThat(single.trusted(new InetSocketAddress("192.168.2.1", 1))).isFalse();
        assertThat(single.trusted(new InetSocketAddress("::1", 1))).isTrue();
    }

    private static HttpHeaders forwarded(String proto, String host, String port) {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-Forwarded-Proto", proto);
        headers.set("X-Forwarded-Host", host);
        if (port != null) {
            headers.set("X-Forwarded-Port", port);
        }
        return headers;
    }
}
