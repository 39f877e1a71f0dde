package dev.voiceagent.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;

class InfrastructureFailuresTest {

    @Test
    void anUnreachableDatabaseOrBrokerAnywhereInTheChainIsAnOutage() {
        assertThat(InfrastructureFailures.isOutage(new ListenerExecutionFailedException("listener failed",
                new DataAccessResourceFailureException("pool", new R2dbcNonTransientResourceException("refused")))))
                .isTrue();
        assertThat(InfrastructureFailures.isOutage(new RuntimeException(new ConnectException("refused")))).isTrue();
        assertThat(InfrastructureFailures.isOutage(new TimeoutException("send"))).isTrue();
        assertThat(InfrastructureFailures.isOutage(new NotLeaderOrFollowerException("moving"))).isTrue();
    }

    @Test
    void aFailureRetryingCannotFixIsNotAnOutage() {
        assertThat(InfrastructureFailures.isOutage(new DataIntegrityViolationException("bad row"))).isFalse();
        assertThat(InfrastructureFailures.isOutage(new IllegalStateException("bug"))).isFalse();
        assertThat(InfrastructureFailures.isOutage(null)).isFalse();
    }
}
