package dev.voiceagent.support;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * The OpenAPI description of a functional route, attached where the route is declared:
 * <pre>{@code
 * .GET("/api/v1/call-logs", callLogs::list)
 * .withAttribute(RouteDescription.ATTRIBUTE, RouteDescription.of("The tenant's call logs, newest first")
 *         .query("limit", ParameterType.INTEGER, "page size, 1-200 (default 50)")
 *         .answers(Body.json(CallLogHandler.Page.class)))
 * }</pre>
 * A functional route's types say nothing about its query parameters or bodies, so this says it for them. The
 * generator of {@code docs/openapi} (local-stack {@code ApiDocumentationIT}) receives it through
 * {@code RouterFunctions.Visitor#attributes}; routing never reads it. Bodies are record types, written in snake_case
 * like the platform's JSON.
 *
 * @param summary         one line on what the route does
 * @param queryParameters the query parameters the handler reads, in the order worth reading them
 * @param requestBody     the body the handler reads, or null when it reads none
 * @param response        the success answer, or null when it is not described
 */
public record RouteDescription(String summary, List<QueryParameter> queryParameters, Body requestBody,
                               Answer response) {

    /** The route attribute name under which the description is attached. */
    public static final String ATTRIBUTE = "voice.route-description";

    public RouteDescription {
        Objects.requireNonNull(summary, "summary");
        queryParameters = List.copyOf(queryParameters);
    }

    public static RouteDescription of(String summary) {
        return new RouteDescription(summary, List.of(), null, null);
    }

    /** An optional query parameter. */
    public RouteDescription query(String name, ParameterType type, String description) {
        return query(new QueryParameter(name, description, type, false, List.of()));
    }

    /** An optional string query parameter that takes one of {@code allowedValues}. */
    public RouteDescription query(String name, String description, List<String> allowedValues) {
        return query(new QueryParameter(name, description, ParameterType.STRING, false, allowedValues));
    }

    public RouteDescription query(QueryParameter parameter) {
        List<QueryParameter> parameters = new ArrayList<>(queryParameters);
        parameters.add(parameter);
        return new RouteDescription(summary, parameters, requestBody, response);
    }

    public RouteDescription accepts(Body body) {
        return new RouteDescription(summary, queryParameters, Objects.requireNonNull(body, "body"), response);
    }

    /** 200 with this body. */
    public RouteDescription answers(Body body) {
        return answers(HttpStatus.OK, Objects.requireNonNull(body, "body"));
    }

    public RouteDescription answers(HttpStatus status, Body body) {
        return new RouteDescription(summary, queryParameters, requestBody, new Answer(status, body));
    }

    /** A success without a body (204, or 202 for work accepted). */
    public RouteDescription answers(HttpStatus status) {
        return answers(status, null);
    }

    /** The type of a query parameter's value as the handler parses it. */
    public enum ParameterType { STRING, INTEGER, BOOLEAN }

    /**
     * One query parameter; defaults and bounds go in {@code description}, as the handler applies them.
     *
     * @param allowedValues the only values accepted (others answer 400), or empty for any value
     */
    public record QueryParameter(String name, String description, ParameterType type, boolean required,
                                 List<String> allowedValues) {

        public QueryParameter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(type, "type");
            allowedValues = List.copyOf(allowedValues);
        }
    }

    /**
     * A request or response body: its type (a record, a {@code String}, a {@code Map}…) and media type.
     *
     * @param required for a request body: whether the handler needs one (ignored for answers)
     */
    public record Body(Type type, MediaType mediaType, boolean required) {

        private static final Type FORM_FIELDS = ResolvableType.forClassWithGenerics(Map.class, String.class,
                String.class).getType();

        public Body {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(mediaType, "mediaType");
        }

        public static Body json(Type type) {
            return new Body(type, MediaType.APPLICATION_JSON, true);
        }

        /** A Twilio webhook's signed form fields ({@code CallSid}, {@code From}…), which Twilio, not we, defines. */
        public static Body twilioForm() {
            return new Body(FORM_FIELDS, MediaType.APPLICATION_FORM_URLENCODED, true);
        }

        /** TwiML, the XML answer Twilio executes on the call. */
        public static Body twiml() {
            return new Body(String.class, MediaType.TEXT_XML, true);
        }

        /** Server-Sent Events; {@code type} is the data of each event. */
        public static Body events(Type type) {
            return new Body(type, MediaType.TEXT_EVENT_STREAM, true);
        }

        /** The same body, which the handler also accepts absent. */
        public Body optional() {
            return new Body(type, mediaType, false);
        }
    }

    /**
     * The success answer.
     *
     * @param body null when the answer has no body
     */
    public record Answer(HttpStatus status, Body body) {

        public Answer {
            Objects.requireNonNull(status, "status");
        }
    }
}
