package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.voiceagent.support.RouteDescription;
import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.VoiceService;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpMethod;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.result.method.RequestMappingInfo;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Generates the HTTP API documents from the code: starts the suite, walks every service's {@link RouterFunction}s
 * (with {@link RouterFunctions.Visitor}; a route's query parameters, bodies and media types come from the
 * {@link RouteDescription} attached to it), annotated handler mappings (with request and response schemas from the
 * record types they declare) and WebSocket mappings, and writes OpenAPI 3.1 to {@code target/openapi}; with
 * {@code -Dvoice.docs.write=true} also to {@code docs/openapi/<service>.yaml}.
 */
class ApiDocumentationIT {

    private static final Path DOCS = Path.of("..", "docs", "openapi").normalize();
    private static final Path TARGET = Path.of("target", "openapi");
    private static final List<String> ANY_METHOD = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{([^}/*]+)}");

    private static LocalStack stack;

    /** One operation: method, path and what is known of it (null: nothing beyond method and path). */
    record Operation(String method, String path, RouteDescription description, boolean webSocket) {
    }

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStackOptions.forTests());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void writesAnOpenApiDocumentPerService() throws IOException {
        Map<String, List<Operation>> byService = new TreeMap<>();
        Map<String, Integer> declaredPorts = new TreeMap<>();
        for (ConfigurableApplicationContext context : RunningContexts.all()) {
            String service = context.getEnvironment().getProperty("spring.application.name");
            if (service != null && stack.ports().containsKey(service)) {
                byService.put(service, operations(context));
                declaredPorts.put(service, declaredPort(context));
            }
        }
        assertThat(byService.keySet()).containsExactlyInAnyOrder("gateway-service", "config-service",
                "media-bridge-service", "tool-executor-service", "evaluation-service", "callback-service");
        assertThat(byService.get("gateway-service")).extracting(op -> op.method() + " " + op.path())
                .contains("POST /api/v1/make-call", "POST /api/v1/incoming-call", "POST /api/v1/call-status",
                        "GET /api/v1/call-logs/{call_sid}", "GET /api/v1/media-stream");
        assertThat(byService.get("config-service")).extracting(op -> op.method() + " " + op.path())
                .contains("PUT /api/v1/admin/tenants/{tenant_id}/runtime-config");
        // a functional route's description reaches its operation (the visitor shows attributes before the route)
        assertThat(byService.get("gateway-service")).filteredOn(op -> op.path().equals("/api/v1/call-logs"))
                .singleElement().satisfies(op -> assertThat(op.description().queryParameters())
                        .extracting(RouteDescription.QueryParameter::name).contains("status", "from_date", "limit"));

        boolean write = Boolean.getBoolean("voice.docs.write");
        Files.createDirectories(TARGET);
        for (var entry : byService.entrySet()) {
            String yaml = yaml(document(entry.getKey(), declaredPorts.get(entry.getKey()), entry.getValue()));
            Files.writeString(TARGET.resolve(entry.getKey() + ".yaml"), yaml);
            if (write) {
                Files.createDirectories(DOCS);
                Files.writeString(DOCS.resolve(entry.getKey() + ".yaml"), yaml);
            }
        }
    }

    /** The port the service's {@code @VoiceService} declares (the test stack runs on free ports). */
    private static int declaredPort(ConfigurableApplicationContext context) {
        return context.getBeansWithAnnotation(VoiceService.class).keySet().stream()
                .map(name -> context.findAnnotationOnBean(name, VoiceService.class))
                .filter(java.util.Objects::nonNull).findFirst().orElseThrow().port();
    }

    private static List<Operation> operations(ConfigurableApplicationContext context) {
        List<Operation> operations = new ArrayList<>();
        for (RouterFunction<?> router : context.getBeansOfType(RouterFunction.class).values()) {
            router.accept(new RouteCollector(operations));
        }
        for (RequestMappingHandlerMapping mapping : context.getBeansOfType(RequestMappingHandlerMapping.class).values()) {
            mapping.getHandlerMethods().forEach((info, method) -> operations.addAll(annotated(info, method)));
        }
        for (SimpleUrlHandlerMapping mapping : context.getBeansOfType(SimpleUrlHandlerMapping.class).values()) {
            mapping.getUrlMap().forEach((path, handler) -> {
                if (handler instanceof org.springframework.web.reactive.socket.WebSocketHandler) {
                    operations.add(new Operation("GET", path, RouteDescription.of("WebSocket ("
                            + handler.getClass().getSimpleName() + ")"), true));
                }
            });
        }
        operations.sort((a, b) -> (a.path() + a.method()).compareTo(b.path() + b.method()));
        return operations.stream().distinct().toList();
    }

    private static List<Operation> annotated(RequestMappingInfo info, HandlerMethod handler) {
        Method method = handler.getMethod();
        Type body = null;
        for (var parameter : handler.getMethodParameters()) {
            if (parameter.hasParameterAnnotation(RequestBody.class)) {
                body = unwrap(parameter.getGenericParameterType());
            }
        }
        Type response = unwrap(method.getGenericReturnType());
        RouteDescription description = RouteDescription.of(handler.getBeanType().getSimpleName() + "." + method.getName());
        if (body != null) {
            description = description.accepts(Body.json(body));
        }
        if (response != null) {
            description = description.answers(Body.json(response));
        }
        Set<org.springframework.web.bind.annotation.RequestMethod> methods = info.getMethodsCondition().getMethods();
        List<Operation> operations = new ArrayList<>();
        for (var pattern : info.getPatternsCondition().getPatterns()) {
            for (var requestMethod : methods.isEmpty() ? Set.of(org.springframework.web.bind.annotation.RequestMethod.GET) : methods) {
                operations.add(new Operation(requestMethod.name(), pattern.getPatternString(), description, false));
            }
        }
        return operations;
    }

    /** Mono&lt;T&gt;, Flux&lt;T&gt;, ResponseEntity&lt;T&gt; and their combinations down to T. */
    private static Type unwrap(Type type) {
        ResolvableType resolvable = ResolvableType.forType(type);
        Class<?> raw = resolvable.resolve();
        if (raw == null || raw == Void.class || raw == void.class) {
            return null;
        }
        String name = raw.getName();
        if (name.equals("reactor.core.publisher.Mono") || name.equals("org.springframework.http.ResponseEntity")) {
            return unwrap(resolvable.getGeneric(0).getType());
        }
        if (name.equals("reactor.core.publisher.Flux")) {
            Type element = unwrap(resolvable.getGeneric(0).getType());
            return element == null ? null : ResolvableType.forClassWithGenerics(List.class,
                    ResolvableType.forType(element)).getType();
        }
        return type;
    }

    /**
     * Walks a router function: nested predicates give path prefixes, each route one operation per method. A route's
     * attributes are visited just before the route itself, so its description is held until then.
     */
    private static final class RouteCollector implements RouterFunctions.Visitor {

        private final List<Operation> operations;
        private final Deque<String> prefixes = new ArrayDeque<>();
        private RouteDescription pending;

        RouteCollector(List<Operation> operations) {
            this.operations = operations;
        }

        @Override
        public void startNested(RequestPredicate predicate) {
            // a description on a whole nest is not one route's: only single routes are described
            pending = null;
            PredicateParts parts = PredicateParts.of(predicate);
            prefixes.push(String.join("", prefixes.isEmpty() ? "" : prefixes.peek(), parts.paths.isEmpty() ? "" : parts.paths.get(0)));
        }

        @Override
        public void endNested(RequestPredicate predicate) {
            prefixes.pop();
        }

        @Override
        public void route(RequestPredicate predicate, HandlerFunction<?> handlerFunction) {
            PredicateParts parts = PredicateParts.of(predicate);
            String prefix = prefixes.isEmpty() ? "" : prefixes.peek();
            List<String> paths = parts.paths.isEmpty() ? List.of(prefix) : parts.paths.stream().map(p -> prefix + p).toList();
            // a route without a method predicate (the gateway's proxy prefixes) answers every method
            List<String> methods = parts.methods.isEmpty() ? ANY_METHOD : parts.methods;
            RouteDescription description = pending != null ? pending
                    : parts.methods.isEmpty() ? RouteDescription.of("any method (forwarded)") : null;
            pending = null;
            for (String path : paths) {
                for (String method : methods) {
                    operations.add(new Operation(method, path, description, false));
                }
            }
        }

        @Override
        public void resources(Function<ServerRequest, reactor.core.publisher.Mono<Resource>> lookupFunction) {
        }

        @Override
        public void attributes(Map<String, Object> attributes) {
            if (attributes.get(RouteDescription.ATTRIBUTE) instanceof RouteDescription description) {
                pending = description;
            }
        }

        @Override
        public void unknown(RouterFunction<?> routerFunction) {
        }
    }

    /** The methods and paths a predicate names (alternatives of an "or" become separate paths). */
    private static final class PredicateParts implements RequestPredicates.Visitor {

        final List<String> methods = new ArrayList<>();
        final List<String> paths = new ArrayList<>();

        static PredicateParts of(RequestPredicate predicate) {
            PredicateParts parts = new PredicateParts();
            predicate.accept(parts);
            return parts;
        }

        @Override
        public void method(Set<HttpMethod> methods) {
            methods.forEach(method -> this.methods.add(method.name()));
        }

        @Override
        public void path(String pattern) {
            paths.add(pattern);
        }

        @Override
        public void pathExtension(String extension) {
        }

        @Override
        public void header(String name, String value) {
        }

        @Override
        public void queryParam(String name, String value) {
        }

        @Override
        public void version(String version) {
        }

        @Override
        public void startAnd() {
        }

        @Override
        public void and() {
        }

        @Override
        public void endAnd() {
        }

        @Override
        public void startOr() {
        }

        @Override
        public void or() {
        }

        @Override
        public void endOr() {
        }

        @Override
        public void startNegate() {
        }

        @Override
        public void endNegate() {
        }

        @Override
        public void unknown(RequestPredicate predicate) {
        }
    }

    private static Map<String, Object> document(String service, int port, List<Operation> operations) {
        Map<String, Object> schemas = new TreeMap<>();
        Map<String, Object> paths = new LinkedHashMap<>();
        for (Operation operation : operations) {
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(operation.path(), p -> new LinkedHashMap<>());
            item.put(operation.method().toLowerCase(), operation(operation, schemas));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.1.0");
        doc.put("info", Map.of("title", service, "version", "v1", "description",
                "Generated from the running service's routes by local-stack ApiDocumentationIT "
                        + "(mvn -pl local-stack verify -Dtest=ApiDocumentationIT -Dvoice.docs.write=true). "
                        + "Public routes are served through the gateway; health: GET /health/live, /health/ready; "
                        + "Prometheus: GET /metrics."));
        doc.put("servers", List.of(Map.of("url", "http://localhost:" + port)));
        doc.put("paths", paths);
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("securitySchemes", Map.of(
                "tenantKey", Map.of("type", "apiKey", "in", "header", "name", "x-api-key"),
                "adminKey", Map.of("type", "apiKey", "in", "header", "name", "x-admin-key"),
                "twilioSignature", Map.of("type", "apiKey", "in", "header", "name", "X-Twilio-Signature")));
        if (!schemas.isEmpty()) {
            components.put("schemas", schemas);
        }
        doc.put("components", components);
        return doc;
    }

    private static Map<String, Object> operation(Operation operation, Map<String, Object> schemas) {
        RouteDescription description = operation.description();
        Map<String, Object> op = new LinkedHashMap<>();
        if (description != null) {
            op.put("summary", description.summary());
        }
        op.put("operationId", operationId(operation));
        List<Object> parameters = new ArrayList<>();
        Matcher matcher = PATH_VARIABLE.matcher(operation.path());
        while (matcher.find()) {
            parameters.add(Map.of("name", matcher.group(1), "in", "path", "required", true,
                    "schema", Map.of("type", "string")));
        }
        if (description != null) {
            description.queryParameters().forEach(parameter -> parameters.add(queryParameter(parameter)));
        }
        if (!parameters.isEmpty()) {
            op.put("parameters", parameters);
        }
        String security = security(operation.path());
        if (security != null) {
            // fresh lists: shared instances would become YAML anchors
            op.put("security", new ArrayList<>(List.of(Map.of(security, new ArrayList<>()))));
        }
        if (description != null && description.requestBody() != null) {
            Body body = description.requestBody();
            op.put("requestBody", Map.of("required", body.required(), "content", content(body, schemas)));
        }
        op.put("responses", responses(operation, schemas));
        return op;
    }

    private static Map<String, Object> queryParameter(RouteDescription.QueryParameter parameter) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", parameter.type().name().toLowerCase());
        if (!parameter.allowedValues().isEmpty()) {
            schema.put("enum", new ArrayList<>(parameter.allowedValues()));
        }
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("name", parameter.name());
        query.put("in", "query");
        query.put("description", parameter.description());
        query.put("required", parameter.required());
        query.put("schema", schema);
        return query;
    }

    private static Map<String, Object> responses(Operation operation, Map<String, Object> schemas) {
        RouteDescription.Answer answer = operation.description() == null ? null : operation.description().response();
        Map<String, Object> responses = new LinkedHashMap<>();
        if (operation.webSocket()) {
            responses.put("101", Map.of("description", "switching protocols (WebSocket)"));
        } else if (operation.description() == null) {
            responses.put("2XX", Map.of("description", "success (the handler's body is not declared in its type)"));
        } else if (answer == null) {
            responses.put("2XX", Map.of("description", "success (the answer is not described here)"));
        } else {
            String status = String.valueOf(answer.status().value());
            String reason = answer.status().getReasonPhrase();
            responses.put(status, answer.body() == null ? Map.of("description", reason)
                    : Map.of("description", reason, "content", content(answer.body(), schemas)));
        }
        responses.put("default", Map.of("description", "error",
                "content", Map.of("application/problem+json", Map.of("schema", Map.of("type", "object")))));
        return responses;
    }

    /** A body's media type (without parameters such as charset) with the schema of its type. */
    private static Map<String, Object> content(Body body, Map<String, Object> schemas) {
        String mediaType = body.mediaType().getType() + "/" + body.mediaType().getSubtype();
        return Map.of(mediaType, Map.of("schema", schema(body.type(), schemas)));
    }

    /** Who may call a path: the admin key, Twilio's signature, a tenant key, or nobody outside the platform. */
    private static String security(String path) {
        if (path.startsWith("/api/v1/admin/")) {
            return "adminKey";
        }
        // Twilio's callbacks: the voice webhooks, answering-machine results, SMS delivery, the transfer's whisper
        if (path.equals("/api/v1/incoming-call") || path.equals("/api/v1/call-status")
                || path.equals("/api/v1/amd-status") || path.equals("/api/v1/sms-status")
                || path.startsWith("/api/v1/escalations/")) {
            return "twilioSignature";
        }
        // the media stream is authorised by the signed media token in its start message; /internal is not exposed
        if (path.equals("/api/v1/media-stream") || path.startsWith("/internal/")) {
            return null;
        }
        return path.startsWith("/api/v1/") ? "tenantKey" : null;
    }

    private static String operationId(Operation operation) {
        StringBuilder id = new StringBuilder(operation.method().toLowerCase());
        for (String segment : operation.path().split("[^A-Za-z0-9]+")) {
            if (!segment.isEmpty() && !segment.equals("api") && !segment.equals("v1")) {
                id.append(Character.toUpperCase(segment.charAt(0))).append(segment.substring(1));
            }
        }
        return id.toString();
    }

    /** JSON schema of a declared type: records by component (snake_case, as the platform's Jackson writes them). */
    private static Map<String, Object> schema(Type type, Map<String, Object> schemas) {
        return schema(ResolvableType.forType(type), schemas);
    }

    /** Element and value types are recursed into as resolvable types: their raw {@code Type} is a type variable. */
    private static Map<String, Object> schema(ResolvableType resolvable, Map<String, Object> schemas) {
        Class<?> raw = resolvable.resolve(Object.class);
        if (raw == String.class || raw == UUID.class || raw == java.net.URI.class || CharSequence.class.isAssignableFrom(raw)) {
            return Map.of("type", "string");
        }
        if (raw == Instant.class || raw == OffsetDateTime.class) {
            return Map.of("type", "string", "format", "date-time");
        }
        if (raw == LocalDate.class) {
            return Map.of("type", "string", "format", "date");
        }
        if (raw == Duration.class) {
            return Map.of("type", "string", "format", "duration");
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return Map.of("type", "boolean");
        }
        if (raw == int.class || raw == long.class || raw == Integer.class || raw == Long.class || raw == short.class) {
            return Map.of("type", "integer");
        }
        if (raw.isPrimitive() || Number.class.isAssignableFrom(raw)) {
            return Map.of("type", "number");
        }
        if (raw.isEnum()) {
            return Map.of("type", "string");
        }
        if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
            ResolvableType element = raw.isArray() ? resolvable.getComponentType() : resolvable.asCollection().getGeneric(0);
            return Map.of("type", "array", "items", schema(element, schemas));
        }
        if (Map.class.isAssignableFrom(raw)) {
            ResolvableType value = resolvable.asMap().getGeneric(1);
            return value.resolve() == null ? Map.of("type", "object")
                    : Map.of("type", "object", "additionalProperties", schema(value, schemas));
        }
        if (raw.isRecord()) {
            String name = raw.getSimpleName();
            if (!schemas.containsKey(name)) {
                schemas.put(name, Map.of());
                Map<String, Object> properties = new LinkedHashMap<>();
                for (RecordComponent component : raw.getRecordComponents()) {
                    properties.put(wireName(component), schema(component.getGenericType(), schemas));
                }
                schemas.put(name, Map.of("type", "object", "properties", properties));
            }
            return Map.of("$ref", "#/components/schemas/" + name);
        }
        return Map.of("type", "object");
    }

    /** A record component's JSON name: its {@code @JsonProperty}, else its name in snake_case. */
    private static String wireName(RecordComponent component) {
        JsonProperty named = component.getAccessor().getAnnotation(JsonProperty.class);
        return named != null && !named.value().isEmpty() ? named.value() : snakeCase(component.getName());
    }

    private static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }

    private static String yaml(Map<String, Object> document) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setIndicatorIndent(0);
        options.setWidth(120);
        return "# Generated by local-stack ApiDocumentationIT from the services' routes; do not edit.\n"
                + new Yaml(options).dump(ordered(document));
    }

    /** Stable output: insertion order where it was chosen, otherwise sorted keys (Map.of has no order). */
    private static Object ordered(Object value) {
        if (value instanceof LinkedHashMap<?, ?> linked) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            linked.forEach((k, v) -> copy.put(k, ordered(v)));
            return copy;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new TreeMap<>();
            map.forEach((k, v) -> copy.put(k, ordered(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list.stream().map(ApiDocumentationIT::ordered).toList());
        }
        return value;
    }
}
