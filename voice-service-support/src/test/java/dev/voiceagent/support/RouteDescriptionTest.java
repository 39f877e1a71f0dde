package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.support.RouteDescription.Body;
import dev.voiceagent.support.RouteDescription.ParameterType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class RouteDescriptionTest {

    private static final HandlerFunction<ServerResponse> LIST = request -> ServerResponse.ok().build();
    private static final HandlerFunction<ServerResponse> GET = request -> ServerResponse.noContent().build();

    private record Page(List<String> items, int limit) {
    }

    @Test
    void buildsCopiesAndLeavesTheOriginalAlone() {
        RouteDescription bare = RouteDescription.of("The tenant's things");
        RouteDescription described = bare
                .query("status", "only things in this status", List.of("open", "closed"))
                .query("limit", ParameterType.INTEGER, "page size, 1-200 (default 50)")
                .accepts(Body.json(Page.class).optional())
                .answers(Body.json(Page.class));

        assertThat(bare.queryParameters()).isEmpty();
        assertThat(bare.response()).isNull();
        assertThat(described.queryParameters()).extracting(RouteDescription.QueryParameter::name)
                .containsExactly("status", "limit");
        assertThat(described.queryParameters().get(0).allowedValues()).containsExactly("open", "closed");
        assertThat(described.requestBody().required()).isFalse();
        assertThat(described.response().status()).isEqualTo(HttpStatus.OK);
        assertThat(described.response().body().mediaType()).isEqualTo(MediaType.APPLICATION_JSON);
        assertThatThrownBy(() -> described.queryParameters().add(null))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void namesTheMediaTypesOfTwilioAndStreams() {
        assertThat(Body.twilioForm().mediaType()).isEqualTo(MediaType.APPLICATION_FORM_URLENCODED);
        assertThat(Body.twiml().mediaType()).isEqualTo(MediaType.TEXT_XML);
        assertThat(Body.twiml().type()).isEqualTo(String.class);
        assertThat(Body.events(Page.class).mediaType()).isEqualTo(MediaType.TEXT_EVENT_STREAM);
        assertThat(RouteDescription.of("hook").answers(HttpStatus.NO_CONTENT).response().body()).isNull();
    }

    @Test
    void reachesARouterVisitorAheadOfItsRoute() {
        RouteDescription description = RouteDescription.of("List").answers(Body.json(Page.class));
        List<Object> seen = new ArrayList<>();
        routes(description).accept(new Recorder(seen));

        assertThat(seen).containsExactly(description, "route", "route");
    }

    @Test
    void leavesRoutingAsItWas() {
        RouterFunction<ServerResponse> described = routes(RouteDescription.of("List"));
        Map<String, Object> expected = Map.of("/things", LIST, "/things/7", GET, "/other", "none");
        expected.forEach((path, handler) -> StepVerifier.create(described.route(get(path))
                        .map(Object.class::cast).defaultIfEmpty("none"))
                .expectNext(handler)
                .verifyComplete());
    }

    private static ServerRequest get(String path) {
        return ServerRequest.create(MockServerWebExchange.from(MockServerHttpRequest.get(path)),
                HandlerStrategies.withDefaults().messageReaders());
    }

    private static RouterFunction<ServerResponse> routes(RouteDescription description) {
        return RouterFunctions.route()
                .GET("/things", LIST)
                .withAttribute(RouteDescription.ATTRIBUTE, description)
                .GET("/things/{id}", GET)
                .build();
    }

    /** Records the descriptions and routes a visitor is shown, in order. */
    private record Recorder(List<Object> seen) implements RouterFunctions.Visitor {

        @Override
        public void attributes(Map<String, Object> attributes) {
            seen.add(attributes.get(RouteDescription.ATTRIBUTE));
        }

        @Override
        public void route(RequestPredicate predicate, HandlerFunction<?> handlerFunction) {
            seen.add("route");
        }

        @Override
        public void startNested(RequestPredicate predicate) {
        }

        @Override
        public void endNested(RequestPredicate predicate) {
        }

        @Override
        public void resources(Function<ServerRequest, Mono<Resource>> lookupFunction) {
        }

        @Override
        public void unknown(RouterFunction<?> routerFunction) {
        }
    }
}
