package dev.voiceagent.testkit.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CallScriptsTest {

    private static final Scenario BALANCE = Scenario.builder("balance").turn("What is my balance?").build();
    private static final Scenario TRANSFER = Scenario.builder("transfer").turn("Put me through.").build();

    @Test
    void aRegisteredScriptIsClaimedOnceByTheCallToItsNumberAndFoundByCallSid() {
        CallScripts scripts = new CallScripts(Duration.ofMinutes(1));
        String balanceNumber = scripts.register(BALANCE);
        String transferNumber = scripts.register(TRANSFER);

        assertThat(balanceNumber).isNotEqualTo(transferNumber).matches("\\+1555\\d{7}");
        assertThat(scripts.claim(transferNumber, "CA2")).contains(TRANSFER);
        assertThat(scripts.claim(balanceNumber, "CA1")).contains(BALANCE);
        assertThat(scripts.claim(balanceNumber, "CA3")).as("claimed once").isEmpty();
        assertThat(scripts.forCall("CA1")).contains(BALANCE);
        assertThat(scripts.forCall("CA2")).contains(TRANSFER);
        assertThat(scripts.forCall("CA3")).isEmpty();
        assertThat(scripts.forCall(null)).isEmpty();
        assertThat(scripts.claim("+15555550100", "CA4")).as("a number nobody registered").isEmpty();
    }

    @Test
    void anUnclaimedScriptExpires() {
        MutableClock clock = new MutableClock();
        CallScripts scripts = new CallScripts(Duration.ofSeconds(30), clock);
        String number = scripts.register(BALANCE);

        clock.now = clock.now.plusSeconds(31);

        assertThat(scripts.claim(number, "CA1")).isEmpty();
    }

    @Test
    void concurrentRegistrationsGetDistinctNumbers() {
        CallScripts scripts = new CallScripts(Duration.ofMinutes(1));
        Set<String> numbers = ConcurrentHashMap.newKeySet();
        IntStream.range(0, 500).parallel().forEach(i -> numbers.add(scripts.register(BALANCE)));

        assertThat(numbers).hasSize(500);
        List<String> claimed = numbers.parallelStream()
                .filter(n -> scripts.claim(n, "CA" + n).isPresent()).toList();
        assertThat(claimed).hasSize(500);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
