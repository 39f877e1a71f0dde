package dev.voiceagent.testkit.twilio;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * A Twilio SDK HTTP client that sends every request to another base URL (the {@link TwilioSimulator}), keeping
 * path, query, form and auth: {@code new TwilioRestClient.Builder(sid, token).httpClient(new
 * TwilioSimulatorHttpClient(simulator.baseUrl())).build()}.
 */
public class TwilioSimulatorHttpClient extends NetworkHttpClient {

    private final String baseUrl;

    /** Redirects to {@code baseUrl} (scheme, host and port, e.g. {@code http://localhost:8090}). */
    public TwilioSimulatorHttpClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    @Override
    public Response makeRequest(Request request) {
        return super.makeRequest(redirected(request));
    }

    /** The same request against the base URL. */
    Request redirected(Request request) {
        URI original = URI.create(request.getUrl());
        Request copy = new Request(request.getMethod(), baseUrl + original.getRawPath()
                + (original.getRawQuery() == null ? "" : "?" + original.getRawQuery()));
        if (request.getAuthStrategy() != null) {
            copy.setAuth(request.getAuthStrategy());
        } else if (request.getUsername() != null) {
            copy.setAuth(request.getUsername(), request.getPassword());
        }
        copyParams(request.getQueryParams(), copy::addQueryParam);
        copyParams(request.getPostParams(), copy::addPostParam);
        copyParams(request.getHeaderParams(), copy::addHeaderParam);
        copy.setContentType(request.getContentType());
        copy.setBody(request.getBody());
        return copy;
    }

    private static void copyParams(Map<String, List<String>> params, java.util.function.BiConsumer<String, String> add) {
        params.forEach((name, values) -> values.forEach(value -> add.accept(name, value)));
    }
}
