package dev.voiceagent.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class TwilioTraceContextDecoratorTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aWebhookJoinsTheTraceNamedInItsQuery() {
        var request = MockServerHttpRequest.post("/api/v1/call-status?traceparent=" + TRACEPARENT).build();
        assertThat(TwilioTraceContextDecorator.withTraceHeader(request).getHeaders().getFirst("traceparent"))
                .isEqualTo(TRACEPARENT);
    }

    @Test
    void malformedOrForeignTraceContextIsIgnored() {
        var garbage = MockServerHttpRequest.post("/api/v1/call-status?traceparent=01-zz").build();
        assertThat(TwilioTraceContextDecorator.withTraceHeader(garbage).getHeaders().containsHeader("traceparent"))
                .isFalse();
        var notAWebhook = MockServerHttpRequest.get("/api/v1/call-logs?traceparent=" + TRACEPARENT).build();
        assertThat(TwilioTraceContextDecorator.withTraceHeader(notAWebhook).getHeaders().containsHeader("traceparent"))
                .isFalse();
        var ownHeader = MockServerHttpRequest.post("/api/v1/incoming-call?traceparent=" + TRACEPARENT)
                .header("traceparent", "00-11111111111111111111111111111111-2222222222222222-01").build();
        assertThat(TwilioTraceContextDecorator.withTraceHeader(ownHeader).getHeaders().getFirst("traceparent"))
                .startsWith("00-1111");
    }

    @Test
    void callbackUrlsCarryOnlyValidTraceContext() {
        assertThat(CallTraces.withTraceparent("https://x/api/v1/call-status", TRACEPARENT))
                .isEqualTo("https://x/api/v1/call-status?traceparent=" + TRACEPARENT);
        assertThat(CallTraces.withTraceparent("https://x/a?b=1", TRACEPARENT)).contains("?b=1&traceparent=");
        assertThat(CallTraces.withTraceparent("https://x/a", null)).isEqualTo("https://x/a");
        assertThat(CallTraces.withTraceparent("https://x/a", "evil&x=1")).isEqualTo("https://x/a");
    }
}
