package dev.voiceagent.gateway.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.voiceagent.gateway.media.BridgeDirectory.Instance;
import dev.voiceagent.gateway.media.BridgeDirectory.Target;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class BridgeDirectoryTest {

    static final URI STREAM = URI.create("ws://media-bridge-service:8082/internal/v1/media-stream?v=1");
    static final URI API = URI.create("http://media-bridge-service:8082");
    static final List<Instance> THREE = List.of(Instance.parse("10.0.0.1"), Instance.parse("10.0.0.2"),
            Instance.parse("10.0.0.3"));

    /** What the resolver answers next: a list, or the failure it throws. */
    private final AtomicReference<Object> answer = new AtomicReference<>(List.of());
    private final BridgeDirectory directory = new BridgeDirectory(STREAM, API, "media-bridge-headless",
            Duration.ofSeconds(5), host -> {
                Object next = answer.get();
                if (next instanceof Exception e) {
                    throw e;
                }
                @SuppressWarnings("unchecked")
                List<Instance> instances = (List<Instance>) next;
                return instances;
            });

    @Test
    void aCallKeepsItsInstanceWhicheverGatewayAsksAndInWhateverOrderTheRecordsCame() {
        resolve(THREE);
        BridgeDirectory otherGateway = new BridgeDirectory(STREAM, API, "media-bridge-headless", Duration.ofSeconds(5),
                host -> List.of(THREE.get(2), THREE.get(0), THREE.get(1), THREE.get(0)));
        StepVerifier.create(otherGateway.refresh()).verifyComplete();

        for (String sid : sids(200)) {
            Target chosen = directory.choose(sid);
            assertThat(directory.choose(sid)).isEqualTo(chosen);
            assertThat(otherGateway.choose(sid)).isEqualTo(chosen);
        }
        assertThat(otherGateway.instances()).as("sorted and deduplicated").containsExactlyElementsOf(THREE);
    }

    @Test
    void callsSpreadRoughlyEvenlyOverThreeInstances() {
        resolve(THREE);

        Map<Instance, Long> calls = sids(3000).stream()
                .collect(Collectors.groupingBy(sid -> directory.choose(sid).instance(), Collectors.counting()));

        assertThat(calls).hasSize(3);
        // 1000 each expected; a standard deviation is about 26
        assertThat(calls.values()).allSatisfy(n -> assertThat(n).isBetween(880L, 1120L));
    }

    @Test
    void whenAnInstanceLeavesOnlyItsCallsMoveAndTheyMoveToEveryOther() {
        resolve(THREE);
        List<String> sids = sids(3000);
        Map<String, Instance> before = new HashMap<>();
        sids.forEach(sid -> before.put(sid, directory.choose(sid).instance()));

        resolve(List.of(THREE.get(0), THREE.get(2)));

        Map<Instance, Long> movedTo = new HashMap<>();
        for (String sid : sids) {
            Instance now = directory.choose(sid).instance();
            if (before.get(sid).equals(THREE.get(1))) {
                movedTo.merge(now, 1L, Long::sum);
            } else {
                assertThat(now).as("call %s was not on the instance that left", sid).isEqualTo(before.get(sid));
            }
        }
        assertThat(movedTo.keySet()).containsExactlyInAnyOrder(THREE.get(0), THREE.get(2));
        assertThat(movedTo.values()).allSatisfy(n -> assertThat(n).isGreaterThan(400L));
    }

    @Test
    void whenAnInstanceJoinsOnlyCallsThatNowChooseItMove() {
        resolve(THREE);
        List<String> sids = sids(3000);
        Map<String, Instance> before = new HashMap<>();
        sids.forEach(sid -> before.put(sid, directory.choose(sid).instance()));
        Instance fourth = Instance.parse("10.0.0.4");

        resolve(List.of(THREE.get(0), THREE.get(1), THREE.get(2), fourth));

        long moved = sids.stream().filter(sid -> !directory.choose(sid).instance().equals(before.get(sid)))
                .peek(sid -> assertThat(directory.choose(sid).instance()).isEqualTo(fourth))
                .count();
        assertThat(moved).as("about a quarter").isBetween(600L, 900L);
    }

    @Test
    void withoutInstancesACallGoesToTheConfiguredUrlsAndThatIsCountedOnlyWhenDiscoveryIsOn() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        directory.bindTo(meters);

        Target target = directory.choose("CA1");

        assertThat(target.chosen()).isFalse();
        assertThat(target.streamUrl()).isEqualTo(STREAM);
        assertThat(target.apiUrl()).isEqualTo(API);
        assertThat(fallbacks(meters, "no_instances")).isEqualTo(1);

        BridgeDirectory off = new BridgeDirectory(STREAM, API, "", Duration.ofSeconds(5), host -> THREE);
        SimpleMeterRegistry offMeters = new SimpleMeterRegistry();
        off.bindTo(offMeters);
        StepVerifier.create(off.loop()).verifyComplete();
        assertThat(off.enabled()).isFalse();
        assertThat(off.choose("CA1")).isEqualTo(off.service());
        assertThat(off.service().streamUrl()).isEqualTo(STREAM);
        assertThat(fallbacks(offMeters, "no_instances")).isZero();
        assertThat(offMeters.get("voice.gateway.bridge.instances").gauge().value()).isZero();
    }

    @Test
    void aFailedLookupKeepsTheLastListAndAnEmptyAnswerEmptiesIt() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        directory.bindTo(meters);
        resolve(THREE);
        Target chosen = directory.choose("CA42");

        answer.set(new UnknownHostException("media-bridge-headless"));
        StepVerifier.create(directory.refresh()).verifyComplete();
        StepVerifier.create(directory.refresh()).verifyComplete();

        assertThat(directory.instances()).containsExactlyElementsOf(THREE);
        assertThat(directory.choose("CA42")).isEqualTo(chosen);
        assertThat(meters.get("voice.gateway.bridge.instances").gauge().value()).isEqualTo(3);

        resolve(List.of());
        assertThat(directory.instances()).isEmpty();
        assertThat(directory.choose("CA42").chosen()).isFalse();
    }

    @Test
    void theInstancesHostAndPortReplaceTheConfiguredOnesAndTheRestStays() {
        resolve(List.of(Instance.parse("10.0.0.7")));
        Target noPort = directory.choose("CA1");
        assertThat(noPort.streamUrl()).hasToString("ws://10.0.0.7:8082/internal/v1/media-stream?v=1");
        assertThat(noPort.apiUrl()).hasToString("http://10.0.0.7:8082");

        resolve(List.of(Instance.parse("127.0.0.1:40123")));
        Target withPort = directory.choose("CA1");
        assertThat(withPort.streamUrl()).hasToString("ws://127.0.0.1:40123/internal/v1/media-stream?v=1");
        assertThat(withPort.apiUrl()).hasToString("http://127.0.0.1:40123");

        resolve(List.of(Instance.parse("fd00::7")));
        assertThat(directory.choose("CA1").streamUrl())
                .hasToString("ws://[fd00::7]:8082/internal/v1/media-stream?v=1");

        BridgeDirectory secure = new BridgeDirectory(URI.create("wss://bridge/ws%20path"),
                URI.create("https://bridge/api/"), "h", Duration.ofSeconds(5), host -> List.of(Instance.parse("[fd00::8]:9443")));
        StepVerifier.create(secure.refresh()).verifyComplete();
        assertThat(secure.choose("CA1").streamUrl()).hasToString("wss://[fd00::8]:9443/ws%20path");
        assertThat(secure.choose("CA1").apiUrl()).hasToString("https://[fd00::8]:9443/api/");
    }

    @Test
    void weightsAreTheSameInEveryProcess() {
        // pinned: a change of the hash would send pre-warms and streams of calls in flight during a rollout apart
        assertThat(BridgeDirectory.weight("CA0123456789abcdef0123456789abcdef", "10.0.0.1"))
                .isEqualTo(BridgeDirectory.weight("CA0123456789abcdef0123456789abcdef", "10.0.0.1"))
                .isEqualTo(PINNED_WEIGHT);
        assertThat(BridgeDirectory.weight("CA1", "0.0.0.1")).as("the separator keeps SID and instance apart")
                .isNotEqualTo(BridgeDirectory.weight("CA10", ".0.0.1"));
    }

    static final long PINNED_WEIGHT = 5274572054053956715L;

    private void resolve(List<Instance> instances) {
        answer.set(instances);
        StepVerifier.create(directory.refresh()).verifyComplete();
    }

    private static double fallbacks(SimpleMeterRegistry meters, String reason) {
        return meters.get("voice.gateway.bridge.fallbacks").tag("reason", reason).functionCounter().count();
    }

    /** Call SIDs as Twilio writes them, the same on every run. */
    private static List<String> sids(int count) {
        Random random = new Random(20261201);
        return IntStream.range(0, count)
                .mapToObj(i -> "CA" + String.format("%016x%016x", random.nextLong(), random.nextLong()))
                .toList();
    }
}
