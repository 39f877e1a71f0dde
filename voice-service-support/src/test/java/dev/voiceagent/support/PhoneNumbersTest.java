package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneNumbersTest {

    @ParameterizedTest
    @ValueSource(strings = {"+15555550100", "+442071838750", "+12", "+123456789012345"})
    void acceptsE164(String number) {
        assertThat(PhoneNumbers.isE164(number)).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"15555550100", "+05555550100", "+1555-555-0100", "+1234567890123456", "+1", "tel:+1555"})
    void rejectsNonE164(String number) {
        assertThat(PhoneNumbers.isE164(number)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"+15555550100, +1********00", "+442071838750, +4*********50", "123, ****"})
    void masksAllButCountryPrefixAndLastDigits(String number, String masked) {
        assertThat(PhoneNumbers.mask(number)).isEqualTo(masked);
    }
}
