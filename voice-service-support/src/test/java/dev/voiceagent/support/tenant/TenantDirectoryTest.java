package dev.voiceagent.support.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.contracts.TenantConfigPublished;
import java.util.List;
import org.junit.jupiter.api.Test;

class TenantDirectoryTest {

    private final TenantDirectory directory = new TenantDirectory();

    private static TenantConfigPublished view(String tenant, boolean enabled, List<String> numbers, List<String> keys,
                                              long revision) {
        return new TenantConfigPublished(tenant, tenant.toUpperCase(), enabled, numbers, "UTC", null,
                keys.stream().map(ApiKeys::hash).toList(), List.of(), revision);
    }

    @Test
    void resolvesTenantsByNumberAndApiKey() {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("demo-key"), 1));
        assertThat(directory.byPhoneNumber("+15555550000")).map(TenantConfigPublished::tenantId).contains("demo");
        assertThat(directory.byApiKey("demo-key")).map(TenantConfigPublished::tenantId).contains("demo");
        assertThat(directory.byApiKey("other-key")).isEmpty();
        assertThat(directory.byApiKey(null)).isEmpty();
    }

    @Test
    void aRevokedKeyOrReleasedNumberStopsResolvingAtOnce() {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("demo-key"), 1));
        directory.apply(view("demo", true, List.of("+15555550001"), List.of(), 2));
        assertThat(directory.byApiKey("demo-key")).isEmpty();
        assertThat(directory.byPhoneNumber("+15555550000")).isEmpty();
        assertThat(directory.byPhoneNumber("+15555550001")).isPresent();
    }

    @Test
    void anOlderRevisionNeverReplacesANewerOne() {
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("new-key"), 5));
        directory.apply(view("demo", true, List.of("+15555550000"), List.of("old-key"), 4));
        assertThat(directory.byApiKey("new-key")).isPresent();
        assertThat(directory.byApiKey("old-key")).isEmpty();
    }

    @Test
    void aDisabledTenantsKeysDoNotAuthenticate() {
        directory.apply(view("demo", false, List.of("+15555550000"), List.of("demo-key"), 1));
        assertThat(directory.byApiKey("demo-key")).isEmpty();
        assertThat(directory.byPhoneNumber("+15555550000")).map(TenantConfigPublished::enabled).contains(false);
    }

    @Test
    void keysAreHashedAndComparedInConstantTime() {
        assertThat(ApiKeys.hash("demo-key")).hasSize(64).isNotEqualTo("demo-key");
        assertThat(ApiKeys.generate()).startsWith("vk_").isNotEqualTo(ApiKeys.generate());
        assertThat(ApiKeys.matches("a", "a")).isTrue();
        assertThat(ApiKeys.matches("a", "b")).isFalse();
        assertThat(ApiKeys.matches(null, "b")).isFalse();
    }
}
