package dev.voiceagent.evaluation.synthetic;

import dev.voiceagent.evaluation.scoring.EvaluationRepository;
import dev.voiceagent.support.PhoneNumbers;
import dev.voiceagent.support.Problems;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Places the calls of synthetic runs in the background, a few at a time, and records each call's SID (or why it
 * could not be placed). Every run's pipeline is tracked and cancelled when the application stops; the calls'
 * evaluations reach the run through {@link SyntheticRepository#recordEvaluation} as they are scored.
 */
@Component
public class SyntheticRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SyntheticRunner.class);

    private final SyntheticRepository runs;
    private final EvaluationRepository evaluations;
    private final GatewayClient gateway;
    private final int concurrency;
    private final Disposable.Composite running = Disposables.composite();
    private volatile boolean started;

    public SyntheticRunner(SyntheticRepository runs, EvaluationRepository evaluations, GatewayClient gateway,
                           SyntheticProperties properties) {
        this.runs = runs;
        this.evaluations = evaluations;
        this.gateway = gateway;
        this.concurrency = Math.max(1, properties.synthetic().concurrency());
    }

    /** Stores the run with its pending calls, then starts placing them; answers once the run is stored. */
    public Mono<SyntheticRun> start(SyntheticRun run, List<Scenario> scenarios, String apiKey, String to) {
        if (!started) {
            return Mono.error(Problems.unavailable("The service is shutting down."));
        }
        return runs.createRun(run, scenarios).then(Mono.fromRunnable(() -> launch(run, scenarios, apiKey, to)))
                .thenReturn(run);
    }

    private void launch(SyntheticRun run, List<Scenario> scenarios, String apiKey, String to) {
        log.info("synthetic run {} of {} {}: {} calls to {}", run.id(), run.agentKey(), run.agentVersionId(),
                scenarios.size(), PhoneNumbers.mask(to));
        AtomicReference<Disposable> self = new AtomicReference<>();
        Disposable placing = Flux.fromIterable(scenarios)
                .flatMap(s -> placeOne(run, s, apiKey, to), concurrency)
                .doFinally(signal -> {
                    Disposable d = self.get();
                    if (d != null) {
                        running.remove(d);
                    }
                })
                .subscribe(null, e -> log.warn("synthetic run {} stopped: {}", run.id(), e.toString()),
                        () -> log.info("synthetic run {}: every call placed or failed", run.id()));
        self.set(placing);
        if (!placing.isDisposed()) {
            running.add(placing);
        }
    }

    private Mono<Void> placeOne(SyntheticRun run, Scenario scenario, String apiKey, String to) {
        return gateway.makeCall(apiKey, run.id() + ":" + scenario.id(), to, run.agentKey(), run.agentVersionId())
                .flatMap(sid -> runs.placed(run.id(), scenario.id(), sid)
                        .then(evaluations.markSynthetic(sid))
                        // the call may have been scored before its SID was recorded here
                        .then(evaluations.findByCallSid(sid).flatMap(runs::recordEvaluation)))
                .onErrorResume(e -> runs.failed(run.id(), scenario.id(), GatewayClient.reason(e)).then())
                .onErrorResume(e -> {
                    log.warn("synthetic run {} scenario {}: could not record the call: {}", run.id(), scenario.id(),
                            e.toString());
                    return Mono.empty();
                });
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
        running.dispose();
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
