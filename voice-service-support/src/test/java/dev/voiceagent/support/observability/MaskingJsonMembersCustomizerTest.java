package dev.voiceagent.support.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaskingJsonMembersCustomizerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            calling +15555550100 now               | calling +1********00 now
            from +442071838750 to +15555550100     | from +4*********50 to +1********00
            (+15555550100)                         | (+1********00)
            call CA1234567890abcdef                | call CA1234567890abcdef
            order 1234567890                       | order 1234567890
            a+15555550100                          | a+15555550100
            +123                                   | +123
            no numbers here                        | no numbers here
            """)
    void masksEveryE164NumberInText(String text, String masked) {
        assertThat(MaskingJsonMembersCustomizer.maskPhoneNumbers(text)).isEqualTo(masked);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"media_token,true", "x-admin-key,true", "apiKey,true", "Authorization,true",
            "twilio_auth_token,true", "db.password,true", "call_sid,false", "tenant_id,false", "traceId,false",
            "message,false"})
    void recognisesSecretLookingNames(String name, boolean secret) {
        assertThat(MaskingJsonMembersCustomizer.isSecretName(name)).isEqualTo(secret);
    }
}
