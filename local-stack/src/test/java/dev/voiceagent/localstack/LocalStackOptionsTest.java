package dev.voiceagent.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalStackOptionsTest {

    @Test
    void servicesShareTheLaunchersJvmUnlessAskedOtherwise() {
        LocalStackOptions options = LocalStackOptions.fromEnvironment(Map.of(), true);

        assertThat(options.separateProcesses()).isFalse();
        assertThat(options.serviceJavaOptions()).containsExactly("-Xmx512m", "-XX:+UseSerialGC");
        assertThat(options.withSeparateProcesses(true).separateProcesses()).isTrue();
        assertThat(options.withSeparateProcesses(true)).isEqualTo(
                LocalStackOptions.fromEnvironment(Map.of("VOICE_PROCESSES", "1"), true));
    }

    @Test
    void eachServiceInItsOwnJvmWithTheGivenOptions() {
        LocalStackOptions options = LocalStackOptions.fromEnvironment(Map.of("VOICE_PROCESSES", "true",
                "VOICE_SERVICE_JAVA_OPTS", "  -Xmx256m   -XX:+UseParallelGC "), false);

        assertThat(options.separateProcesses()).isTrue();
        assertThat(options.serviceJavaOptions()).containsExactly("-Xmx256m", "-XX:+UseParallelGC");
        assertThat(LocalStackOptions.fromEnvironment(Map.of("VOICE_PROCESSES", "no"), false).separateProcesses())
                .isFalse();
    }

    @Test
    void servicesStartWithoutTheTestsOwnClasses() {
        String previous = System.getProperty("surefire.test.class.path");
        String classpath = String.join(File.pathSeparator, "/repo/local-stack/target/test-classes",
                "/repo/local-stack/target/classes", "/m2/gateway-service.jar", "");
        System.setProperty("surefire.test.class.path", classpath);
        try {
            assertThat(List.of(ServiceProcess.serviceClasspath().split(File.pathSeparator)))
                    .containsExactly("/repo/local-stack/target/classes", "/m2/gateway-service.jar");
        } finally {
            if (previous == null) {
                System.clearProperty("surefire.test.class.path");
            } else {
                System.setProperty("surefire.test.class.path", previous);
            }
        }
    }

    @Test
    void footprintSumsOneMetricsSamples() {
        String scraped = """
                # HELP jvm_memory_used_bytes The amount of used memory
                jvm_memory_used_bytes{application="gateway-service",area="heap",id="Tenured Gen"} 1.048576E7
                jvm_memory_used_bytes{application="gateway-service",area="heap",id="Eden Space"} 1048576.0
                jvm_memory_used_bytes{application="gateway-service",area="nonheap",id="Metaspace"} 9.9E7
                jvm_memory_used_bytes_other{area="heap"} 5.0
                jvm_threads_live_threads{application="gateway-service"} 42.0
                """;

        assertThat(ServiceFootprint.sum(scraped, "jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(11534336.0);
        assertThat(ServiceFootprint.sum(scraped, "jvm_threads_live_threads", null)).isEqualTo(42.0);
        assertThat(ServiceFootprint.sum(scraped, "voice_bridge_sessions_active", null)).isZero();
    }
}
