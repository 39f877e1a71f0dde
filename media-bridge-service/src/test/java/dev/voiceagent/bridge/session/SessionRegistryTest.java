package dev.voiceagent.bridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionRegistryTest {

    private static VoiceSession session(String callSid) {
        VoiceSession session = mock(VoiceSession.class);
        when(session.callSid()).thenReturn(callSid);
        return session;
    }

    @Test
    void admitsUpToItsCapacityThenRefusesUntilASessionEnds() {
        SessionRegistry registry = new SessionRegistry(2);
        VoiceSession first = session("CA1");
        assertThat(registry.admit(first)).isEqualTo(SessionRegistry.Admission.ADMITTED);
        assertThat(registry.full()).isFalse();
        assertThat(registry.admit(session("CA2"))).isEqualTo(SessionRegistry.Admission.ADMITTED);
        assertThat(registry.full()).isTrue();
        assertThat(registry.admit(session("CA3"))).isEqualTo(SessionRegistry.Admission.FULL);
        assertThat(registry.isLive("CA3")).isFalse();

        registry.remove(first);
        assertThat(registry.full()).isFalse();
        assertThat(registry.admit(session("CA3"))).isEqualTo(SessionRegistry.Admission.ADMITTED);
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void aSecondSessionForALiveCallIsADuplicateAndTakesNoSlot() {
        SessionRegistry registry = new SessionRegistry(2);
        VoiceSession live = session("CA1");
        registry.admit(live);
        assertThat(registry.admit(session("CA1"))).isEqualTo(SessionRegistry.Admission.DUPLICATE);
        assertThat(registry.admit(session("CA2"))).isEqualTo(SessionRegistry.Admission.ADMITTED);
        // removing a session that is not the live one for its call frees nothing
        registry.remove(session("CA1"));
        assertThat(registry.full()).isTrue();
        assertThat(registry.isLive("CA1")).isTrue();
    }

    @Test
    void withoutACapacityItIsNeverFull() {
        SessionRegistry registry = new SessionRegistry(0);
        for (int i = 0; i < 1000; i++) {
            assertThat(registry.admit(session("CA" + i))).isEqualTo(SessionRegistry.Admission.ADMITTED);
        }
        assertThat(registry.full()).isFalse();
    }

    @Test
    void concurrentAdmissionsNeverExceedTheCapacity() throws Exception {
        SessionRegistry registry = new SessionRegistry(50);
        List<VoiceSession> sessions = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            sessions.add(session("CA" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<SessionRegistry.Admission>> results = new ArrayList<>();
        for (VoiceSession s : sessions) {
            results.add(pool.submit(() -> {
                go.await();
                return registry.admit(s);
            }));
        }
        go.countDown();
        int admitted = 0;
        for (Future<SessionRegistry.Admission> result : results) {
            if (result.get(10, TimeUnit.SECONDS) == SessionRegistry.Admission.ADMITTED) {
                admitted++;
            }
        }
        pool.shutdown();
        assertThat(admitted).isEqualTo(50);
        assertThat(registry.size()).isEqualTo(50);
    }
}
