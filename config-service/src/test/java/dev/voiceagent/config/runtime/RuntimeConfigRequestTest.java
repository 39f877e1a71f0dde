package dev.voiceagent.config.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.voiceagent.config.support.ConfigProperties;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.web.ErrorResponseException;
import tools.jackson.databind.json.JsonMapper;

class RuntimeConfigRequestTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final ConfigProperties PROPERTIES = new ConfigProperties(List.of("gpt-realtime"), List.of("alloy", "verse"),
            null, null, null, null);

    @Test
    void acceptsTheDocumentedBody() {
        RuntimeConfigRequest request = RuntimeConfigRequest.parse(JSON.readTree(
                "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"support_default\"}"), PROPERTIES);
        assertThat(request.model()).isEqualTo("gpt-realtime");
        assertThat(request.webhookUrl()).isNull();
        assertThat(request.limits()).isEmpty();
    }

    @Test
    void acceptsTheOptionalFields() {
        RuntimeConfigRequest request = RuntimeConfigRequest.parse(JSON.readTree("""
                {"model":"gpt-realtime","voice":"verse","system_prompt_key":"support_default",
                 "webhook_url":"https://hooks.example.com/voice","language":"en-US","greeting":"Hello!",
                 "limits":{"max_call_duration_seconds":600,"max_tool_calls":20},
                 "on_call_number":"+15555550199"}"""), PROPERTIES);
        assertThat(request.language()).isEqualTo("en-US");
        assertThat(request.onCallNumber()).isEqualTo("+15555550199");
        assertThat(request.limits()).containsEntry("max_tool_calls", 20);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"tools\":[]}|tools",
            "{\"model\":\"gpt-4\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\"}|model",
            "{\"model\":42,\"voice\":\"alloy\",\"system_prompt_key\":\"p\"}|model",
            "{\"model\":\"gpt-realtime\",\"voice\":\"nova\",\"system_prompt_key\":\"p\"}|voice",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\"}|system_prompt_key",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"Bad Key\"}|system_prompt_key",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"webhook_url\":\"/relative\"}|webhook_url",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"webhook_url\":\"https://u:p@x.com\"}|webhook_url",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"language\":\"english please\"}|language",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"limits\":{\"forever\":1}}|limits.forever",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"on_call_number\":\"555-0100\"}|on_call_number",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"on_call_number\":\"+0123\"}|on_call_number",
            "{\"model\":\"gpt-realtime\",\"voice\":\"alloy\",\"system_prompt_key\":\"p\",\"on_call_number\":15555550100}|on_call_number",
            "[1,2]|body"})
    void rejectsNamingTheField(String body, String field) {
        assertThatThrownBy(() -> RuntimeConfigRequest.parse(JSON.readTree(body), PROPERTIES))
                .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(400);
                    assertThat(e.getBody().getDetail()).startsWith(field + ":");
                });
    }
}
