package dev.voiceagent.gateway.twilio;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.http.HttpHeaders;

/**
 * Rebuilds the URL Twilio signed: the configured public base URL plus the request path and query, or, for requests
 * that come from a trusted proxy, the scheme, host and port in its {@code X-Forwarded-*} headers. Forwarded
 * headers from anyone else are ignored, so a caller cannot choose the URL its signature is checked against.
 */
public final class SignedUrlResolver {

    private final String publicBase;
    private final List<Cidr> trustedProxies;

    public SignedUrlResolver(String publicBase, List<String> trustedProxies) {
        this.publicBase = publicBase.endsWith("/") ? publicBase.substring(0, publicBase.length() - 1) : publicBase;
        this.trustedProxies = trustedProxies.stream().map(Cidr::parse).toList();
    }

    /** The signed URL for a request with this raw path and query (query without '?', null when none). */
    public String resolve(String rawPath, String rawQuery, HttpHeaders headers, InetSocketAddress remote) {
        String pathAndQuery = rawQuery == null || rawQuery.isEmpty() ? rawPath : rawPath + "?" + rawQuery;
        String proto = first(headers.getFirst("X-Forwarded-Proto"));
        String host = first(headers.getFirst("X-Forwarded-Host"));
        if (proto == null || host == null || !trusted(remote)) {
            return publicBase + pathAndQuery;
        }
        String port = first(headers.getFirst("X-Forwarded-Port"));
        boolean hostHasPort = host.lastIndexOf(':') > host.lastIndexOf(']');
        boolean defaultPort = port == null || ("https".equalsIgnoreCase(proto) && "443".equals(port))
                || ("http".equalsIgnoreCase(proto) && "80".equals(port));
        String authority = hostHasPort || defaultPort ? host : host + ":" + port;
        return proto.toLowerCase() + "://" + authority + pathAndQuery;
    }

    /** Whether the peer is a configured trusted proxy (may set X-Forwarded-* headers). */
    public boolean trusted(InetSocketAddress remote) {
        if (remote == null || remote.getAddress() == null) {
            return false;
        }
        InetAddress address = remote.getAddress();
        return trustedProxies.stream().anyMatch(cidr -> cidr.contains(address));
    }

    /** The first (client-most) value of a possibly comma-separated forwarded header. */
    private static String first(String value) {
        if (value == null) {
            return null;
        }
        String first = value.split(",", 2)[0].trim();
        return first.isEmpty() ? null : first;
    }

    /** An address or address block, e.g. {@code 10.0.0.0/8} or {@code 127.0.0.1}. */
    record Cidr(byte[] network, int prefix) {

        static Cidr parse(String spec) {
            String[] parts = spec.trim().split("/", 2);
            try {
                byte[] address = InetAddress.getByName(parts[0]).getAddress();
                int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
                return new Cidr(address, prefix);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("invalid trusted proxy '" + spec + "'", e);
            }
        }

        boolean contains(InetAddress candidate) {
            byte[] bytes = candidate.getAddress();
            if (bytes.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (bytes[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (bytes[full] & mask) == (network[full] & mask);
        }
    }

    /** For tests and docs: the public base this resolver falls back to. */
    public URI publicBase() {
        return URI.create(publicBase);
    }
}
