package dev.voiceagent.bridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaskingTest {

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {"+15555550100,+1********00", "5550100,*****00", "null,unknown", "+1,***"})
    void masksAllButCountryAndLastTwoDigits(String number, String masked) {
        assertThat(Masking.phone(number)).isEqualTo(masked);
    }
}
