package dev.voiceagent.tools.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class VerificationPinsTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aStoredPinMatchesOnlyThePinItWasMadeFrom() {
        Mono<List<Boolean>> checks = VerificationPins.hash("2468")
                .doOnNext(stored -> assertThat(stored).startsWith("pbkdf2-sha256$").doesNotContain("2468"))
                .flatMapMany(stored -> Flux.concat(VerificationPins.matches("2468", stored),
                        VerificationPins.matches("2469", stored), VerificationPins.matches("02468", stored)))
                .collectList();

        StepVerifier.create(checks).expectNext(List.of(true, false, false)).expectComplete().verify(WAIT);
    }

    @Test
    void theSamePinIsSaltedDifferentlyEachTime() {
        StepVerifier.create(Mono.zip(VerificationPins.hash("2468"), VerificationPins.hash("2468")))
                .assertNext(two -> assertThat(two.getT1()).isNotEqualTo(two.getT2()))
                .expectComplete().verify(WAIT);
    }

    @Test
    void anAccountWithoutAStoredPinMatchesNoPin() {
        StepVerifier.create(VerificationPins.matches("00000000", null)).expectNext(false).expectComplete().verify(WAIT);
        StepVerifier.create(VerificationPins.matches(null, null)).expectNext(false).expectComplete().verify(WAIT);
    }

    @Test
    void pinsAreFourToEightDigits() {
        assertThat(VerificationPins.FORMAT.matcher("0123").matches()).isTrue();
        assertThat(VerificationPins.FORMAT.matcher("01234567").matches()).isTrue();
        assertThat(VerificationPins.FORMAT.matcher("123").matches()).isFalse();
        assertThat(VerificationPins.FORMAT.matcher("123456789").matches()).isFalse();
        assertThat(VerificationPins.FORMAT.matcher("12a4").matches()).isFalse();
    }
}
