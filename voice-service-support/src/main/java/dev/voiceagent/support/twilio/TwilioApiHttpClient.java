package dev.voiceagent.support.twilio;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import java.util.List;
import java.util.Map;

/**
 * The Twilio SDK's HTTP client with a configurable API base: requests for {@code https://api.twilio.com} go to
 * {@code voice.twilio.api-base-url} instead (a Twilio simulator locally, a regional or proxy endpoint elsewhere).
 * The SDK has no base-URL setting of its own.
 */
public class TwilioApiHttpClient extends NetworkHttpClient {

    static final String TWILIO_API = "https://api.twilio.com";

    private final String apiBase;

    public TwilioApiHttpClient(String apiBase) {
        this.apiBase = apiBase.endsWith("/") ? apiBase.substring(0, apiBase.length() - 1) : apiBase;
    }

    @Override
    public Response makeRequest(Request request) {
        return super.makeRequest(rewrite(request));
    }

    /** The same request against the configured base; untouched when it is not for the Twilio API host. */
    public Request rewrite(Request request) {
        String url = request.getUrl();
        if (TWILIO_API.equals(apiBase) || url == null || !url.startsWith(TWILIO_API + "/")) {
            return request;
        }
        Request copy = new Request(request.getMethod(), apiBase + url.substring(TWILIO_API.length()));
        if (request.getAuthStrategy() != null) {
            copy.setAuth(request.getAuthStrategy());
        } else if (request.getUsername() != null) {
            copy.setAuth(request.getUsername(), request.getPassword());
        }
        copyParams(request.getQueryParams(), copy::addQueryParam);
        copyParams(request.getPostParams(), copy::addPostParam);
        copyParams(request.getHeaderParams(), copy::addHeaderParam);
        if (request.getContentType() != null) {
            copy.setContentType(request.getContentType());
        }
        if (request.getBody() != null) {
            copy.setBody(request.getBody());
        }
        return copy;
    }

    private static void copyParams(Map<String, List<String>> params, java.util.function.BiConsumer<String, String> add) {
        params.forEach((name, values) -> values.forEach(value -> add.accept(name, value)));
    }
}
