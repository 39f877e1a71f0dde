package dev.voiceagent.support.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentSealerTest {

    static final String OLD = key(1);
    static final String NEW = key(2);
    static final String BINDING = ArgumentSealer.binding("demo", "CA1", "call_1");

    private static String key(int fill) {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) fill);
        return Base64.getEncoder().encodeToString(key);
    }

    @Test
    void aSealedValueOpensOnlyForItsBindingAndUnaltered() {
        ArgumentSealer sealer = ArgumentSealer.of(List.of(NEW));
        String sealed = sealer.seal("2468", BINDING);

        assertThat(sealed).startsWith(ArgumentSealer.PREFIX).doesNotContain("2468");
        assertThat(sealer.seal("2468", BINDING)).as("a fresh nonce each time").isNotEqualTo(sealed);
        assertThat(sealer.open(sealed, BINDING)).contains("2468");
        assertThat(sealer.open(sealed, ArgumentSealer.binding("demo", "CA1", "call_2"))).isEmpty();
        assertThat(sealer.open(sealed, ArgumentSealer.binding("other", "CA1", "call_1"))).isEmpty();
        int body = sealed.lastIndexOf(':') + 1;
        byte[] bytes = Base64.getUrlDecoder().decode(sealed.substring(body));
        bytes[bytes.length - 1] ^= 1;
        String altered = sealed.substring(0, body) + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        assertThat(sealer.open(altered, BINDING)).as("one bit of the tag flipped").isEmpty();
        assertThat(sealer.open("2468", BINDING)).as("in the clear").isEmpty();
        assertThat(sealer.open(ArgumentSealer.PREFIX + "garbage", BINDING)).isEmpty();
        assertThat(sealer.open(null, BINDING)).isEmpty();
    }

    @Test
    void keysRotateByPuttingTheNewOneFirst() {
        String sealedUnderOld = ArgumentSealer.of(List.of(OLD)).seal("2468", BINDING);
        ArgumentSealer rotating = ArgumentSealer.of(List.of(NEW, OLD));

        assertThat(rotating.open(sealedUnderOld, BINDING)).contains("2468");
        assertThat(ArgumentSealer.of(List.of(OLD)).open(rotating.seal("2468", BINDING), BINDING))
                .as("sealed under the first key").isEmpty();
        assertThat(ArgumentSealer.of(List.of(NEW)).open(sealedUnderOld, BINDING)).as("the old key dropped").isEmpty();
    }

    @Test
    void badKeysStopTheStartAndNoKeysMeanNoSealing() {
        assertThatThrownBy(() -> ArgumentSealer.of(List.of("not base64!"))).hasMessageContaining("base64")
                .hasMessageNotContaining("not base64!");
        assertThatThrownBy(() -> ArgumentSealer.of(List.of(Base64.getEncoder().encodeToString(new byte[16]))))
                .hasMessageContaining("32 bytes");
        ArgumentSealer none = ArgumentSealer.of(List.of("", " "));
        assertThat(none.enabled()).isFalse();
        assertThatThrownBy(() -> none.seal("2468", BINDING)).isInstanceOf(IllegalStateException.class);
        assertThat(none.toString()).doesNotContain(NEW);
    }
}
