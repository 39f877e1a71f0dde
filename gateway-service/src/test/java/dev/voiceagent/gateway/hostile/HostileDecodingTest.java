package dev.voiceagent.gateway.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.voiceagent.gateway.media.TwilioStreamCodec;
import dev.voiceagent.gateway.media.TwilioStreamMessage;
import dev.voiceagent.gateway.support.RequestBodies;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.springframework.web.ErrorResponse;

/** The gateway's own decoders over arbitrary text: a value or a 4xx problem, never another exception. */
class HostileDecodingTest {

    @Property(tries = 200)
    void streamCodecDecodesAnyTextWithoutThrowing(@ForAll String text) {
        assertThat(TwilioStreamCodec.decode(text)).isInstanceOf(TwilioStreamMessage.class);
    }

    @Property(tries = 200)
    void streamCodecDecodesAnyJsonTreeWithoutThrowing(@ForAll("jsonTrees") String json) {
        assertThat(TwilioStreamCodec.decode(json)).isInstanceOf(TwilioStreamMessage.class);
    }

    @Property(tries = 200)
    void formParserYieldsParamsOrABadRequestProblem(@ForAll("forms") String body) {
        Throwable thrown = catchThrowable(() -> RequestBodies.parseForm(body));
        if (thrown != null) {
            assertThat(thrown).isInstanceOf(ErrorResponse.class);
            assertThat(((ErrorResponse) thrown).getStatusCode().value()).isEqualTo(400);
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> jsonTrees() {
        return HostileArbitraries.jsonTrees();
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> forms() {
        return HostileArbitraries.rawForms();
    }
}
