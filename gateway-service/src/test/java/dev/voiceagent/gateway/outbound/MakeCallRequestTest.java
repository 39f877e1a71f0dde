package dev.voiceagent.gateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MakeCallRequestTest {

    @Test
    void documentedBodyHasExactlyTheFieldsTheParserAccepts() {
        assertThat(Arrays.stream(MakeCallRequest.MakeCallBody.class.getRecordComponents()).map(RecordComponent::getName)
                .map(name -> name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase()))
                .containsExactlyInAnyOrderElementsOf(MakeCallRequest.FIELDS);
    }
}
